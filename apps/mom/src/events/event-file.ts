import { Cron } from "croner";
import { z } from "zod";
import { isChannelId } from "../store/data-dir.js";

/**
 * A scheduled event, one JSON file in `<data>/events/`:
 *
 * - `{"type":"immediate","channelId":"C123","text":"..."}`: runs as soon as it is seen, then the file is removed.
 * - `{"type":"one-shot","channelId":"C123","text":"...","at":"2026-12-24T09:00:00+01:00"}`:
 *   runs once at `at` (ISO 8601 with an offset), then the file is removed.
 * - `{"type":"periodic","channelId":"C123","text":"...","schedule":"0 9 * * 1-5","timezone":"Europe/Vienna"}`:
 *   runs at every cron match in that IANA time zone until the file is removed.
 */
export type ScheduledEvent = ImmediateEvent | OneShotEvent | PeriodicEvent;

const base = {
  channelId: z.string().refine(isChannelId, "must be a Slack channel or DM id such as C0123ABC or D0123ABC"),
  text: z.string().trim().min(1, "must not be empty"),
};

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const immediateSchema = z.object({ type: z.literal("immediate"), ...base }).strict();
const oneShotSchema = z
  .object({
    type: z.literal("one-shot"),
    ...base,
    at: z
      .string()
      .regex(ISO_WITH_OFFSET, "must be an ISO 8601 time with an offset, e.g. 2026-12-24T09:00:00+01:00")
      .refine((value) => !Number.isNaN(Date.parse(value)), "is not a real date"),
  })
  .strict();
const periodicSchema = z
  .object({
    type: z.literal("periodic"),
    ...base,
    schedule: z.string().min(1),
    timezone: z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Vienna or UTC"),
  })
  .strict()
  .superRefine((value, ctx) => {
    const problem = cronProblem(value.schedule, value.timezone);
    if (problem) ctx.addIssue({ code: "custom", path: ["schedule"], message: problem });
  });

export type ImmediateEvent = z.infer<typeof immediateSchema>;
export type OneShotEvent = z.infer<typeof oneShotSchema>;
export type PeriodicEvent = z.infer<typeof periodicSchema>;

const schemas = { immediate: immediateSchema, "one-shot": oneShotSchema, periodic: periodicSchema } as const;

/** Parses an event file's text; returns the event or a one-paragraph reason naming each bad field. */
export function parseEventFile(text: string): { event: ScheduledEvent } | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { error: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { error: "must be a JSON object with a 'type' field" };
  }
  const type = (data as { type?: unknown }).type;
  if (typeof type !== "string" || !(type in schemas)) {
    return { error: `'type' must be "immediate", "one-shot" or "periodic" (got ${JSON.stringify(type)})` };
  }
  const result = schemas[type as keyof typeof schemas].safeParse(data);
  if (result.success) return { event: result.data };
  const reasons = result.error.issues.map((issue) => {
    const where = issue.path.length ? `'${issue.path.join(".")}'` : "the event";
    const message = issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}` : issue.message;
    return `${where}: ${message}`;
  });
  return { error: reasons.join("; ") };
}

/** The next run of a cron schedule after `after`, in the given zone; undefined when it never runs again. */
export function nextCronRun(schedule: string, timezone: string, after: Date): Date | undefined {
  const cron = new Cron(schedule, { timezone, paused: true });
  return cron.nextRun(after) ?? undefined;
}

function cronProblem(schedule: string, timezone: string): string | undefined {
  try {
    if (!nextCronRun(schedule, timezone, new Date())) return "this cron schedule never runs again";
    return undefined;
  } catch (error) {
    return `not a valid cron schedule (${(error as Error).message}); example: "0 9 * * 1-5" is 09:00 on weekdays`;
  }
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
