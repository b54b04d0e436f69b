import { Injectable } from '@nestjs/common';

/** Injectable time, so tests can move it instead of waiting. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
