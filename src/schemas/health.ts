import { Type } from '@sinclair/typebox';
import { StringEnum } from './common.js';

export const HealthSchema = Type.Object(
  { status: StringEnum(['ok'] as const, { description: 'The process is alive' }) },
  { $id: 'Health', additionalProperties: false, description: 'Liveness: the process answers.' },
);

export const ReadinessSchema = Type.Object(
  { status: StringEnum(['ready'] as const, { description: 'The instance takes traffic' }) },
  { $id: 'Readiness', additionalProperties: false, description: 'Readiness: the instance should receive traffic.' },
);
