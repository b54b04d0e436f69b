import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * The agents every HubSpot SDK client is built with. With an `httpAgent` the SDK sends through node's
 * http/https.request (Transport.sendNodeRequest) instead of global fetch, and node's request never follows a
 * redirect: a 3xx comes back to us as an answer (classified in hubspot.errors), so a CRM — or anything in front of
 * it — cannot send our bearer token to a host the egress guard never checked (169.254.169.254 and the like).
 *
 * One agent per protocol per process, the same for every tenant: it holds no credentials (tokens travel in each
 * request's headers), only pooled connections per host:port.
 *
 * Leaving fetch also leaves undici's own timeouts behind. The SDK takes no AbortSignal, so a call abandoned at its
 * deadline (hubspot.client raceSignal) keeps its socket until the server answers; against a CRM that hangs that
 * would be forever. A socket in use is therefore destroyed after ACTIVE_IDLE_MS without traffic (far beyond any
 * call deadline: only abandoned requests ever reach it), and an idle pooled socket after FREE_IDLE_MS (or sooner
 * when the server's Keep-Alive header says so — node honours the hint only when the agent has a timeout), so a
 * request is rarely written onto a connection the server has just closed.
 */
const ACTIVE_IDLE_MS = 120_000;
const FREE_IDLE_MS = 4_000;

function idleTimeoutError(): Error {
  return Object.assign(new Error(`HubSpot connection idle for ${ACTIVE_IDLE_MS / 1000} s`), { code: 'ETIMEDOUT' });
}

/** A new socket: active timeout, and every socket timeout destroys it (free ones are destroyed by the agent too). */
function armed(stream: Duplex | null | undefined): Duplex | null | undefined {
  const socket = stream as Socket | null | undefined;
  if (socket && typeof socket.setTimeout === 'function') {
    socket.setTimeout(ACTIVE_IDLE_MS);
    socket.on('timeout', () => socket.destroy(idleTimeoutError()));
  }
  return stream;
}

/** A pooled socket taken for a request: back from the free-socket timeout to the active one. */
function reused(stream: Duplex): void {
  const socket = stream as Socket;
  if (typeof socket.setTimeout === 'function') {
    socket.setTimeout(ACTIVE_IDLE_MS);
  }
}

const AGENT_OPTIONS = { keepAlive: true, timeout: FREE_IDLE_MS } as const;

class HubspotHttpAgent extends http.Agent {
  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    return armed(super.createConnection(options, callback));
  }

  override reuseSocket(socket: Duplex, request: http.ClientRequest): void {
    super.reuseSocket(socket, request);
    reused(socket);
  }
}

class HubspotHttpsAgent extends https.Agent {
  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    return armed(super.createConnection(options, callback));
  }

  override reuseSocket(socket: Duplex, request: http.ClientRequest): void {
    super.reuseSocket(socket, request);
    reused(socket);
  }
}

const HTTP_AGENT = new HubspotHttpAgent(AGENT_OPTIONS);
const HTTPS_AGENT = new HubspotHttpsAgent(AGENT_OPTIONS);

/**
 * The agent for calls under `basePath`: chosen by its protocol, since node refuses an http agent for an https URL
 * and vice versa (the SDK picks http or https.request from the request URL, which always starts with basePath).
 */
export function hubspotAgentFor(basePath: string): http.Agent {
  return URL.canParse(basePath) && new URL(basePath).protocol === 'http:' ? HTTP_AGENT : HTTPS_AGENT;
}
