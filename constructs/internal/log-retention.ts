import { Rule } from './validation';

/** Retention periods CloudWatch Logs accepts, in days (the API rejects any other value). */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Default retention for every log group the constructs create. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

export const LOG_RETENTION_RULES: readonly Rule<number>[] = [
  {
    id: 'log-retention/allowed-value',
    requirement: `be one of the values CloudWatch Logs accepts (${CLOUDWATCH_RETENTION_DAYS.join(', ')})`,
    check: (days) => CLOUDWATCH_RETENTION_DAYS.includes(days),
    fix: 'pick the nearest allowed number of days',
  },
];
