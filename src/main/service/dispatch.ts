/** Validates one request against the contract and calls the service. Shared by IPC and the e2e harness. */
import { isMethod, parseRequest, type Method, type Responses } from '../../shared/ipc';
import type { DeploymentService } from './deployment-service';

export class BadRequestError extends Error {}

export async function dispatch(service: DeploymentService, method: string, payload: unknown): Promise<Responses[Method]> {
  if (!isMethod(method)) throw new BadRequestError(`Unknown method "${method}".`);
  let parsed: unknown;
  try {
    parsed = parseRequest(method, payload);
  } catch (e) {
    throw new BadRequestError((e as Error).message);
  }
  const fn = (service[method] as (p: unknown) => Promise<Responses[Method]>).bind(service);
  return fn(parsed);
}
