import { Module } from '@nestjs/common';
import { SalesforceConnector } from './salesforce.connector';

@Module({ providers: [SalesforceConnector], exports: [SalesforceConnector] })
export class SalesforceModule {}
