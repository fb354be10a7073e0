import { Global, Module } from '@nestjs/common';
import { AuthService } from './auth.service.js';
import { BasicAuthGuard } from './basic-auth.guard.js';

@Global()
@Module({ providers: [AuthService, BasicAuthGuard], exports: [AuthService, BasicAuthGuard] })
export class AuthModule {}
