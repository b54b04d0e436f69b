import { Module } from '@nestjs/common';
import { ContextCache } from './context-cache';

/** The cache on its own (no routes), for the roles that only invalidate or purge it. */
@Module({ providers: [ContextCache], exports: [ContextCache] })
export class ContextCacheModule {}
