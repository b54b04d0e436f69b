import { Global, Module } from '@nestjs/common';
import { JobQueue } from './job-queue';
import { JobStore } from './job-store';

/** The queue itself (enqueue, claim, settle): both roles need it; only the worker role runs JobWorker. */
@Global()
@Module({ providers: [JobStore, JobQueue], exports: [JobStore, JobQueue] })
export class JobsModule {}
