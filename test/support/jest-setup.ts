import { Logger } from '@nestjs/common';

// Warnings from workers under test (dead-lettered jobs, released leases) are expected there; keep output readable.
// DEBUG_TEST_LOGS=1 brings them back.
if (!process.env.DEBUG_TEST_LOGS) {
  Logger.overrideLogger(['error']);
}
