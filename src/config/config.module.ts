import { type DynamicModule, Global, Module } from '@nestjs/common';
import { SecretBox } from '../common/crypto/secret-box';
import { Clock } from '../common/time/clock';
import { APP_CONFIG, type AppConfig } from './app-config';

/** Config is loaded once by main.ts (or a test) and handed in: nothing below reads the environment. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: SecretBox, useValue: new SecretBox(config.encryption.current, config.encryption.previous) },
        Clock,
      ],
      exports: [APP_CONFIG, SecretBox, Clock],
    };
  }
}
