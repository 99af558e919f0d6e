import type { DjangoIisApi } from '../shared/ipc';

declare global {
  interface Window {
    djangoIIS: DjangoIisApi;
  }
}
export {};
