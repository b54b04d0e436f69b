import { Module } from '@nestjs/common';
import { ZendeskConnector } from './zendesk.connector';

@Module({ providers: [ZendeskConnector], exports: [ZendeskConnector] })
export class ZendeskModule {}
