import { Module } from '@nestjs/common';
import { ZohoConnector } from './zoho.connector';

@Module({ providers: [ZohoConnector], exports: [ZohoConnector] })
export class ZohoModule {}
