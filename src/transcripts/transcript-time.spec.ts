import { zonedClock } from './transcript-time';

describe('zonedClock', () => {
  const instant = new Date('2025-03-01T14:55:42Z');

  it('shows the wall clock of the zone, with the zone name and offset', () => {
    expect(zonedClock('Asia/Tokyo').at(instant)).toEqual({ date: '2025-03-01', time: '23:55' });
    expect(zonedClock('Asia/Tokyo').zoneLabel(instant)).toBe('Asia/Tokyo, UTC+09:00');
    expect(zonedClock('UTC').at(instant)).toEqual({ date: '2025-03-01', time: '14:55' });
    expect(zonedClock('UTC').zoneLabel(instant)).toBe('UTC');
    expect(zonedClock('Asia/Kolkata').zoneLabel(instant)).toBe('Asia/Kolkata, UTC+05:30');
  });

  it('crosses midnight into the next local day', () => {
    expect(zonedClock('Asia/Tokyo').at(new Date('2025-03-01T15:05:00Z'))).toEqual({
      date: '2025-03-02',
      time: '00:05',
    });
  });

  it('follows daylight saving time (America/New_York)', () => {
    const clock = zonedClock('America/New_York');
    expect(clock.zoneLabel(new Date('2025-01-15T12:00:00Z'))).toBe('America/New_York, UTC-05:00');
    expect(clock.zoneLabel(new Date('2025-07-15T12:00:00Z'))).toBe('America/New_York, UTC-04:00');
    expect(clock.at(new Date('2025-07-15T04:30:00Z'))).toEqual({ date: '2025-07-15', time: '00:30' });
  });

  it('falls back to UTC for a zone name it does not know, and says UTC', () => {
    const clock = zonedClock('Mars/Olympus_Mons');
    expect(clock.timeZone).toBe('UTC');
    expect(clock.at(instant).time).toBe('14:55');
    expect(clock.zoneLabel(instant)).toBe('UTC');
  });

  it('renders an invalid date as placeholders instead of throwing', () => {
    expect(zonedClock('Asia/Tokyo').at(new Date('nope'))).toEqual({ date: '????-??-??', time: '??:??' });
  });
});
