import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { JobStore } from './job-store';
import type { EnqueueSpec, JobPayloads, JobType } from './job-types';

/** Typed entry point for business code: enqueue inside your own transaction, with a payload that fits the type. */
@Injectable()
export class JobQueue {
  constructor(private readonly store: JobStore) {}

  enqueue<T extends JobType>(
    manager: EntityManager,
    spec: EnqueueSpec<T, JobPayloads[T]>,
  ): Promise<{ id: string; duplicate: boolean }> {
    return this.store.enqueue(manager, spec);
  }
}
