import { Module } from '@nestjs/common';
import { HubspotConnector } from './hubspot.connector';

@Module({ providers: [HubspotConnector], exports: [HubspotConnector] })
export class HubspotModule {}
