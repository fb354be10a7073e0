import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigFileRepository } from './config-file.repository.js';
import type { LoadedConfig } from './config.loader.js';
import { CommunityConfigController, ProConfigController } from './config.controller.js';
import { OpenViduConfigService, LOADED_CONFIG } from './config.service.js';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(loaded: LoadedConfig): DynamicModule {
    return {
      module: ConfigModule,
      controllers: [CommunityConfigController, ProConfigController],
      providers: [{ provide: LOADED_CONFIG, useValue: loaded }, ConfigFileRepository, OpenViduConfigService],
      exports: [OpenViduConfigService, LOADED_CONFIG],
    };
  }
}
