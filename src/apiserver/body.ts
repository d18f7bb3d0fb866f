import type { IncomingMessage } from 'node:http';
import { load as loadYAML } from 'js-yaml';
import { badRequest, StatusError } from '../apimachinery/errors.js';
import { attachSourceFacts, scanJSONSource } from '../apimachinery/json-source.js';
import { maxNestingDepth, measureJSON, type JSONShape } from '../apimachinery/json-shape.js';
import type { OpenAPISchemas } from './openapi/definitions.js';
import { decodeProtobufObject } from './protobuf/decode.js';

/** Upstream's limit on a request body: 3 MiB. */
export const maxBodyBytes = 3 * 1024 * 1024;

/**
 * Reads a request body, answering 413 past {@link maxBodyBytes}. Listens for the stream's events
 * rather than iterating it: no async iterator and promise per chunk for the usual one-chunk body.
 */
export function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error: unknown, body?: Buffer): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (body) resolve(body);
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        settle(tooLarge(limit));
        req.resume();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => settle(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    const onError = (error: Error): void => settle(error);
    // Closed before its end (the client went away): the body will never be whole.
    const onClose = (): void => settle(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limit: number): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
}

/**
 * Decodes a body as JSON or YAML (by media type); 400 with the parser's message on malformed
 * input, as upstream's decoder does, and on documents nested past {@link maxNestingDepth} or
 * YAML whose aliases would expand far beyond the document (a "billion laughs").
 */
export function decodeBody(body: Buffer, type: string): unknown {
  const text = body.toString('utf8');
  if (!text.trim()) throw badRequest('the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
  if (type.endsWith('yaml')) return decodeYAML(text, 'error converting YAML to JSON');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`, { cause: err });
  }
  checkNesting(measureJSON(value));
  attachSourceFacts(value, scanJSONSource(text));
  return value;
}

/** Aliases may expand a document this many times over (and past {@link aliasFreeNodes} nodes) before it is refused. */
const aliasExpansionRatio = 10;
/** Up to this many nodes, any aliasing is accepted. */
const aliasFreeNodes = 100_000;

/** Parses YAML with the checks of {@link decodeBody}; `context` starts the 400's message. */
export function decodeYAML(text: string, context: string): unknown {
  let value: unknown;
  let shape: JSONShape;
  try {
    value = loadYAML(text);
    shape = measureJSON(value);
  } catch (err) {
    throw badRequest(`${context}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (shape.expandedNodes > aliasFreeNodes && shape.expandedNodes > aliasExpansionRatio * shape.distinctNodes) {
    throw badRequest(`${context}: yaml: document contains excessive aliasing`);
  }
  checkNesting(shape);
  return value;
}

/** 400 for a document nested past {@link maxNestingDepth}. */
export function checkNesting(shape: Pick<JSONShape, 'depth'>): void {
  if (shape.depth > maxNestingDepth) throw badRequest(`the object is nested too deeply: ${shape.depth} levels, exceeded max depth of ${maxNestingDepth}`);
}

/** The media type of Kubernetes' protobuf encoding, which typed clients (kubectl create ...) send. */
export const protobufMediaType = 'application/vnd.kubernetes.protobuf';

/** Decodes a request body of any media type the server accepts. */
export type BodyDecoder = (body: Buffer, mediaType: string) => unknown;

/** A {@link BodyDecoder} for JSON, YAML and (with the schemas' field types) protobuf. */
export function bodyDecoder(schemas: OpenAPISchemas): BodyDecoder {
  return (body, type) => (type === protobufMediaType ? decodeProtobufObject(body, schemas) : decodeBody(body, type));
}
