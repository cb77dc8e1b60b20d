/**
 * HTTP/1.1 pipelining, bounded per connection. Node hands every pipelined request to the gateway as
 * soon as its head is parsed and answers them in order, the later responses waiting without a
 * socket. Unbounded, one connection could start any number of upstream calls at once (1,000
 * requests written in one go became 1,000 concurrent calls). Here a connection has at most
 * `limit` requests in progress (the one being answered and those started behind it); a later one is
 * held, not started, until an earlier answer is written, and once `limit` more are held the socket
 * stops being read, so the client's further requests stay in its own buffers (TCP back-pressure).
 *
 * A connection's first request, and any request that arrives while nothing waits ahead of it, is
 * never looked at here: the check is `response.socket === null`, made by the caller.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** A connection's bound and what the gateway is told (one per server). */
export interface PipelineGate {
  /** Requests one connection may have in progress. */
  limit: number;
  /** A started response still waiting when its connection closed (Node never emits its 'close'). */
  onLeft: (response: ServerResponse) => void;
  /** A request was held behind the bound (for /metrics). */
  onHeld?: () => void;
}

interface Held {
  response: ServerResponse;
  start: () => void;
}

/** One connection's pipelined requests. */
interface Pipeline {
  socket: Socket;
  limit: number;
  gate: PipelineGate;
  /** Started requests whose responses wait, without the socket, behind the one being written. */
  waiting: Set<ServerResponse>;
  /** Requests not started yet, in arrival order. */
  held: Held[];
  /** This module paused the socket (held requests reached `limit`). */
  paused: boolean;
  /** Its 'resume' listener is on the socket. */
  repause: boolean;
}

const pipelineKey = Symbol('switchboard.pipeline');
type PipelinedSocket = Socket & { [pipelineKey]?: Pipeline };

/**
 * A request whose response waits behind another on its connection: starts it now if the connection
 * has fewer than `gate.limit` requests in progress and none held before it, else holds it until an
 * earlier answer is written. `gate.onLeft` runs for every started response still waiting when the
 * connection closes; held ones were never started and are dropped.
 */
export function admitPipelined(request: IncomingMessage, response: ServerResponse, gate: PipelineGate, start: () => void): void {
  // A connection already gone gets no answer, and would never tell its waiting responses so.
  if (request.socket.destroyed) return;
  const pipeline = pipelineOf(request.socket as PipelinedSocket, gate);
  if (pipeline.held.length === 0 && pipeline.waiting.size + 1 < pipeline.limit) {
    begin(pipeline, response, start);
    return;
  }
  pipeline.held.push({ response, start });
  gate.onHeld?.();
  // Given the socket, it is the one being answered: every request before it is done.
  response.once('socket', () => startHeld(pipeline));
  if (!pipeline.paused && pipeline.held.length >= pipeline.limit) pause(pipeline);
}

/**
 * Stops reading the socket. Node resumes it after every request it parses (a request's body may
 * follow), so a 'resume' while held requests still fill the pipeline pauses it again, in the same
 * tick, before any read.
 */
function pause(pipeline: Pipeline): void {
  pipeline.paused = true;
  if (!pipeline.repause) {
    pipeline.repause = true;
    pipeline.socket.on('resume', () => {
      if (pipeline.paused) pipeline.socket.pause();
    });
  }
  pipeline.socket.pause();
}

function pipelineOf(socket: PipelinedSocket, gate: PipelineGate): Pipeline {
  let pipeline = socket[pipelineKey];
  if (pipeline === undefined) {
    const created: Pipeline = { socket, limit: Math.max(1, gate.limit), gate, waiting: new Set(), held: [], paused: false, repause: false };
    socket[pipelineKey] = pipeline = created;
    socket.once('close', () => {
      created.held.length = 0;
      for (const left of created.waiting) gate.onLeft(left);
      created.waiting.clear();
    });
  }
  return pipeline;
}

function begin(pipeline: Pipeline, response: ServerResponse, start: () => void): void {
  if (response.socket === null) {
    pipeline.waiting.add(response);
    response.once('socket', () => {
      pipeline.waiting.delete(response);
      startHeld(pipeline);
    });
  }
  start();
}

/** Starts held requests while there is room (or the first one is being answered), in order. */
function startHeld(pipeline: Pipeline): void {
  while (pipeline.held.length > 0) {
    const next = pipeline.held[0] as Held;
    if (next.response.socket === null && pipeline.waiting.size + 1 >= pipeline.limit) break;
    pipeline.held.shift();
    begin(pipeline, next.response, next.start);
  }
  if (pipeline.paused && pipeline.held.length < pipeline.limit && !pipeline.socket.destroyed) {
    pipeline.paused = false;
    pipeline.socket.resume();
  }
}
