import { FIXTURE } from '../common/seed-data';
import { raw, sdkError, tokenClient, type Zd } from './test-helpers';
import { startZendeskSandbox, type ZendeskSandbox } from './zendesk.sandbox';

describe('Zendesk sandbox: bulk jobs and job statuses', () => {
  let sb: ZendeskSandbox;
  let zd: Zd;

  beforeAll(async () => {
    sb = await startZendeskSandbox({ people: 40, jobDelayMs: 30 });
    zd = tokenClient(sb);
  });
  afterAll(() => sb.stop());
  afterEach(() => sb.faults.reset());

  const ticket = (body: string) => ({ comment: { body, public: false }, subject: `bulk ${body}`, tags: ['bulk'] });

  it('create_many answers a queued job_status, then completes with one result per ticket', async () => {
    const before = sb.journal.entries({ object: 'tickets', operation: 'create' }).length;
    const { response, result } = await zd.tickets.createMany({ tickets: [ticket('a'), ticket('b'), ticket('c')] });
    expect(response.status).toBe(200);
    const job = result.job_status;
    expect(job).toMatchObject({ status: 'queued', total: 3, progress: null, message: null, results: null });
    expect(job.url).toBe(`${sb.settings.endpointUri}/job_statuses/${job.id}.json`);
    expect(job.id).toMatch(/^[0-9a-f]{32}$/);

    const done = await zd.jobstatuses.watch(job.id, 20, 5);
    expect(done).toMatchObject({ id: job.id, status: 'completed', total: 3, progress: 3 });
    expect(done.message).toMatch(/^Completed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$/);
    expect(done.results.map((r: any) => [r.index, r.status, r.success])).toEqual([
      [0, 'Created', true],
      [1, 'Created', true],
      [2, 'Created', true],
    ]);
    // Every item is journaled on its own.
    const created = sb.journal.entries({ object: 'tickets', operation: 'create' }).slice(before);
    expect(created.map((e) => e.recordId)).toEqual(done.results.map((r: any) => String(r.id)));
    const { result: shown } = await zd.tickets.show(done.results[1].id);
    expect(shown).toMatchObject({ subject: 'bulk b', tags: ['bulk'] });
  });

  it('reports invalid items as Failed without failing the job', async () => {
    const { result } = await zd.tickets.createMany({ tickets: [ticket('ok'), { subject: 'no comment' }, 'nonsense'] });
    const done = await zd.jobstatuses.watch(result.job_status.id, 20, 5);
    expect(done.status).toBe('completed');
    expect(done.results[0]).toMatchObject({ index: 0, status: 'Created', id: expect.any(Number) });
    expect(done.results[1]).toMatchObject({
      index: 1,
      status: 'Failed',
      error: 'RecordInvalid',
      details: 'Description: cannot be blank',
    });
    expect(done.results[2]).toMatchObject({ index: 2, status: 'Failed' });
    expect(done.results[1].id).toBeUndefined();
  });

  it('fails single records when the batch-record fault fires, and journals only the ones that committed', async () => {
    sb.faults.set({ batchRecordFailureRate: 0.5 });
    const before = sb.journal.entries({ object: 'tickets' }).length;
    const items = Array.from({ length: 20 }, (_, i) => ticket(`f${i}`));
    const { result } = await zd.tickets.createMany({ tickets: items });
    const done = await zd.jobstatuses.watch(result.job_status.id, 20, 5);
    const failed = done.results.filter((r: any) => r.status === 'Failed');
    const created = done.results.filter((r: any) => r.status === 'Created');
    expect(failed.length).toBeGreaterThan(0);
    expect(created.length).toBeGreaterThan(0);
    expect(failed[0]).toMatchObject({ success: false, error: 'InternalError' });
    expect(sb.journal.entries({ object: 'tickets' }).length - before).toBe(created.length);
  });

  it('refuses the same items on every run of the batch-record reject fault (RecordInvalid), by external_id', async () => {
    sb.faults.set({ batchRecordRejectRate: 0.3 });
    const items = Array.from({ length: 30 }, (_, i) => ({ ...ticket(`r${i}`), external_id: `rule-${i}` }));
    const refused = async () => {
      const { result } = await zd.tickets.createMany({ tickets: items });
      const done = await zd.jobstatuses.watch(result.job_status.id, 20, 5);
      return done.results;
    };
    const first = await refused();
    const failed = first.filter((r: any) => r.status === 'Failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(first.some((r: any) => r.status === 'Created')).toBe(true);
    expect(failed[0]).toMatchObject({ success: false, status: 'Failed', error: 'RecordInvalid' });
    const keys = (results: any[]) =>
      results.filter((r) => r.status === 'Failed').map((r) => items[r.index as number].external_id);
    // A validation rule, not bad luck: the same tickets are refused again, and none of them was written.
    expect(keys(await refused())).toEqual(keys(first));
    expect(sb.faults.rejectedRecordKeys().sort()).toEqual([...keys(first)].sort());
    const journaled = sb.journal.entries({ object: 'tickets' }).map((e) => e.externalKey);
    expect(keys(first).filter((key) => journaled.includes(key))).toEqual([]);
  });

  it('shows a job by id while queued and after completion', async () => {
    const { result } = await zd.tickets.createMany({ tickets: [ticket('s')] });
    const queued = await zd.jobstatuses.show(result.job_status.id);
    expect(queued.result.job_status.status).toBe('queued');
    await zd.jobstatuses.watch(result.job_status.id, 20, 5);
    const shown = await zd.jobstatuses.show(result.job_status.id);
    expect(shown.result.job_status.status).toBe('completed');
    const many = await raw(sb, 'GET', `/api/v2/job_statuses/show_many.json?ids=${result.job_status.id}`);
    expect(many.json.job_statuses.map((j: any) => j.id)).toEqual([result.job_status.id]);
    const listed = await zd.jobstatuses.list();
    expect(listed.result.job_statuses.map((j: any) => j.id)).toContain(result.job_status.id);
    const err = await sdkError(zd.jobstatuses.show('0123456789abcdef0123456789abcdef'));
    expect(err.statusCode).toBe(404);
  });

  it('create_or_update_many upserts users by email/external_id in a job', async () => {
    const { result } = await zd.users.createOrUpdateMany({
      users: [
        { name: 'Emma J. (updated)', email: FIXTURE.english.email },
        { name: 'Bulk New', email: 'bulk.new@example.com', external_id: 'bulk-1' },
        { name: 'Bad Email', email: 'nope' },
      ],
    });
    expect(result.job_status).toMatchObject({ status: 'queued', total: 3 });
    const done = await zd.jobstatuses.watch(result.job_status.id, 20, 5);
    expect(done.results.map((r: any) => [r.index, r.action, r.status])).toEqual([
      [0, 'update', 'Updated'],
      [1, 'create', 'Created'],
      [2, 'create', 'Failed'],
    ]);
    const [emma] = await zd.users.search({ query: `email:${FIXTURE.english.email}` });
    expect(emma.name).toBe('Emma J. (updated)');
    expect(emma.id).toBe(done.results[0].id);
    expect(sb.journal.entries({ object: 'users', operation: 'upsert' }).map((e) => e.externalKey)).toEqual(
      expect.arrayContaining(['ext-p0000', 'bulk-1']),
    );
  });

  it('refuses empty batches and batches over 100 items', async () => {
    const tooMany = await sdkError(
      zd.tickets.createMany({ tickets: Array.from({ length: 101 }, (_, i) => ticket(`x${i}`)) }),
    );
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.result.error).toBe('InvalidValue');
    const empty = await sdkError(zd.users.createOrUpdateMany({ users: [] }));
    expect(empty.statusCode).toBe(400);
    const missing = await sdkError(zd.tickets.createMany({}));
    expect(missing.statusCode).toBe(400);
  });
});
