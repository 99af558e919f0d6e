// Packages the Windows portable exe. Signing comes from the environment:
//  - CSC_LINK + CSC_KEY_PASSWORD (a .pfx): electron-builder reads them itself;
//  - AZURE_TRUSTED_SIGNING_ENDPOINT, _ACCOUNT, _PROFILE, _PUBLISHER: Azure Trusted Signing
//    (with AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET for the credential).
// With neither, the build is unsigned and says so.
import { spawnSync } from 'node:child_process';

const args = ['electron-builder', '--win', 'portable', '--config', 'electron-builder.yml'];
const az = ['ENDPOINT', 'ACCOUNT', 'PROFILE', 'PUBLISHER'].map((k) => process.env[`AZURE_TRUSTED_SIGNING_${k}`]);
if (az.every(Boolean)) {
  const [endpoint, account, profile, publisher] = az;
  args.push(`-c.win.azureSignOptions.endpoint=${endpoint}`, `-c.win.azureSignOptions.codeSigningAccountName=${account}`, `-c.win.azureSignOptions.certificateProfileName=${profile}`, `-c.win.azureSignOptions.publisherName=${publisher}`);
  console.log('Signing with Azure Trusted Signing.');
} else if (process.env.CSC_LINK) {
  console.log('Signing with the certificate in CSC_LINK.');
} else {
  console.log('No signing credentials in the environment (CSC_LINK or AZURE_TRUSTED_SIGNING_*): building an UNSIGNED exe.');
}
const r = spawnSync('npx', args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
