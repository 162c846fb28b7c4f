// One operation id per photo. The correlationId that ingest (or the notification webhook) puts into every queue
// message becomes the W3C trace id of each step's span, so Application Insights shows the drop, both writers and
// the change path under one operation_Id, whichever instance ran each step and however late a retry came.

import { createHash, randomBytes } from 'node:crypto';
import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { ensureTelemetryFromAppSettings } from './startTelemetry';

export const tracerName = 'm365-photo-sync';

/** The trace id (32 hex) for a correlation id: a UUID maps to its own hex digits, anything else to a hash. */
export function traceIdForCorrelation(correlationId: string): string {
  const hex = correlationId.replace(/-/g, '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex)) return hex;
  return createHash('sha256').update(correlationId).digest('hex').slice(0, 32);
}

/** `00-{traceId}-{spanId}-{flags}`, as the Functions worker hands in `context.traceContext.traceParent`. */
function linkFromTraceParent(traceParent: string | undefined): Link[] {
  const match = traceParent && /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceParent);
  if (!match) return [];
  return [
    {
      context: {
        traceId: match[1] as string,
        spanId: match[2] as string,
        traceFlags: Number.parseInt(match[3] as string, 16),
      },
    },
  ];
}

export interface PhotoOperationOptions {
  /** Low-cardinality facts about the step (target, origin, outcome); never photo bytes, tokens, UPNs or names. */
  attributes?: Attributes;
  /** The invocation's own trace parent, linked so the host's request telemetry leads to this operation. */
  invocationTraceParent?: string;
}

/**
 * Runs `work` inside a span of the photo's operation. A thrown error marks the span failed and is rethrown
 * unchanged: telemetry never turns a failure into a success.
 */
export async function withPhotoOperation<T>(
  /** The span name: the function that runs the step (ingestPhoto, writeExchangePhoto, ...). */
  step: string,
  correlationId: string,
  work: (span: Span) => Promise<T>,
  options: PhotoOperationOptions = {},
): Promise<T> {
  ensureTelemetryFromAppSettings();
  const parent = trace.setSpanContext(context.active(), {
    traceId: traceIdForCorrelation(correlationId),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  const tracer = trace.getTracer(tracerName);
  return tracer.startActiveSpan(
    step,
    {
      kind: SpanKind.CONSUMER,
      attributes: { 'photo.correlation_id': correlationId, ...options.attributes },
      links: linkFromTraceParent(options.invocationTraceParent),
    },
    parent,
    async (span) => {
      try {
        const result = await work(span);
        span.setStatus({ code: SpanStatusCode.OK });
        return result;
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The operation id (trace id) of the span running now, or undefined outside a photo operation. */
export function currentOperationId(): string | undefined {
  return trace.getActiveSpan()?.spanContext().traceId;
}
