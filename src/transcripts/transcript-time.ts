/** Wall-clock text of an instant in one time zone; the same instant and zone always give the same text. */
export interface ZonedDateTime {
  /** yyyy-MM-dd */
  date: string;
  /** HH:mm, 00–23 */
  time: string;
}

export interface ZonedClock {
  /** The zone actually used: the requested one, or UTC when that was not a valid IANA name. */
  readonly timeZone: string;
  at(instant: Date): ZonedDateTime;
  /** "Asia/Tokyo, UTC+09:00", or "UTC" for UTC itself. */
  zoneLabel(instant: Date): string;
}

const UTC_ZONES: ReadonlySet<string> = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu']);
const INVALID: ZonedDateTime = { date: '????-??-??', time: '??:??' };

type PartName = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';

function createFormatter(timeZone: string): Intl.DateTimeFormat {
  // 'en-US' with numeric fields is only a parts source: the text is assembled below, so output does not depend on
  // the host's locale data. hourCycle h23 avoids the "24:05" some engines print with hour12: false.
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
}

/**
 * A workspace time zone comes from configuration; a name this Node's ICU does not know must not make a transcript
 * job fail forever, so it falls back to UTC, and the header then says "UTC" rather than pretending.
 */
function formatterFor(timeZone: string): { formatter: Intl.DateTimeFormat; timeZone: string } {
  try {
    // The name as the workspace spelled it: ICU would canonicalise some ("Asia/Kolkata" → "Asia/Calcutta").
    return { formatter: createFormatter(timeZone), timeZone };
  } catch {
    return { formatter: createFormatter('UTC'), timeZone: 'UTC' };
  }
}

function wallClockParts(formatter: Intl.DateTimeFormat, instant: Date): Record<PartName, number> {
  const parts: Record<PartName, number> = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter.formatToParts(instant)) {
    if (part.type in parts) {
      parts[part.type as PartName] = Number(part.value);
    }
  }
  return parts;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  return `UTC${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

export function zonedClock(requestedTimeZone: string): ZonedClock {
  const { formatter, timeZone } = formatterFor(requestedTimeZone);
  const isUtc = UTC_ZONES.has(timeZone);

  const at = (instant: Date): ZonedDateTime => {
    if (Number.isNaN(instant.getTime())) {
      return INVALID;
    }
    const parts = wallClockParts(formatter, instant);
    return {
      date: `${pad(parts.year, 4)}-${pad(parts.month)}-${pad(parts.day)}`,
      time: `${pad(parts.hour)}:${pad(parts.minute)}`,
    };
  };

  const zoneLabel = (instant: Date): string => {
    if (isUtc || Number.isNaN(instant.getTime())) {
      return timeZone;
    }
    // The offset is derived from the wall clock rather than from ICU's zone names, which differ between versions.
    const parts = wallClockParts(formatter, instant);
    const wallClockAsUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    const offsetMinutes = Math.round((wallClockAsUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
    return `${timeZone}, ${formatOffset(offsetMinutes)}`;
  };

  return { timeZone, at, zoneLabel };
}
