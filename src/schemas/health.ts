import { Type } from '@sinclair/typebox';
import { StringEnum } from './common.js';

export const HealthSchema = Type.Object(
  { status: StringEnum(['ok'] as const, { description: 'The process is alive' }) },
  { $id: 'Health', additionalProperties: false, description: 'Liveness: the process answers.' },
);

export const ReadinessCheckSchema = Type.Object(
  {
    status: StringEnum(['ok', 'degraded', 'failing'] as const, {
      description: 'ok; degraded: still serving, with reduced guarantees; failing: not serving',
    }),
    detail: Type.String({ description: 'What the check found', examples: ['redis: connected'] }),
  },
  { $id: 'ReadinessCheck', additionalProperties: false, description: 'One dependency as readiness sees it.' },
);

export const ReadinessSchema = Type.Object(
  {
    status: StringEnum(['ready'] as const, { description: 'The instance takes traffic' }),
    checks: Type.Optional(
      Type.Object(
        { rateLimitStore: Type.Optional(Type.Ref(ReadinessCheckSchema.$id as string)) },
        {
          additionalProperties: false,
          description: 'Dependencies and their state',
          examples: [{ rateLimitStore: { status: 'ok', detail: 'redis: connected, limits shared by every instance' } }],
        },
      ),
    ),
  },
  { $id: 'Readiness', additionalProperties: false, description: 'Readiness: the instance should receive traffic.' },
);
