/**
 * Step ids and the guide's sections they belong to. The wizard's side list, the plan view and
 * the export learn the steps from here and from the plan data, never from a hand-kept list.
 */
export const SECTIONS = [
  { id: 'prepare', title: 'Prepare', guide: 'Assumptions and prerequisites' },
  { id: 'python', title: 'Python', guide: 'Install Python' },
  { id: 'iis', title: 'IIS with CGI', guide: 'Install IIS' },
  { id: 'venv', title: 'Virtual environment', guide: 'Create and configure a Python virtual environment' },
  { id: 'django', title: 'Django app', guide: 'Install Django and create a sample Django application' },
  { id: 'fastcgi', title: 'FastCGI', guide: 'Configure FastCGI in IIS' },
  { id: 'site', title: 'Web site', guide: 'Create and configure a new IIS web site' },
  { id: 'static', title: 'Static files', guide: 'Configure Django and IIS to serve static files' },
  { id: 'https', title: 'HTTPS and sign-in', guide: 'Beyond the guide: an HTTPS binding with the certificate, and Windows sign-in' },
  { id: 'verify', title: 'Verification', guide: 'Confirm that everything is working' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

export const STEP_IDS = [
  'preflight',
  'python',
  'iis',
  'httpplatform-module',
  'venv',
  'packages',
  'django-project',
  'release-data',
  'django-settings',
  'migrate',
  'collectstatic',
  'fastcgi',
  'httpplatform',
  'app-pool',
  'release-staging',
  'release-switch',
  'site',
  'certificate',
  'https-binding',
  'http-redirect',
  'windows-auth',
  'web-config',
  'handler',
  'static-vdir',
  'media-vdir',
  'permissions',
  'leftovers',
  'verification',
] as const;

export type StepId = (typeof STEP_IDS)[number];
