/**
 * `npm run sandbox`: the four CRM sandboxes on fixed loopback ports (SANDBOX_PORT_BASE, default 4101..4104), with the
 * credentials and settings to paste into a connector. Runs until Ctrl-C.
 */
import { connectorBodyFor } from './connector-bodies';
import { startAllSandboxes, type Vendor } from './index';

const ORDER: Vendor[] = ['salesforce', 'hubspot', 'zendesk', 'zoho'];

async function main(): Promise<void> {
  const base = Number(process.env.SANDBOX_PORT_BASE ?? 4101);
  const sandboxes = await startAllSandboxes((vendor) => ({ port: base + ORDER.indexOf(vendor) }));
  for (const vendor of ORDER) {
    const sandbox = sandboxes[vendor];
    process.stdout.write(
      `\n${vendor.padEnd(10)} ${sandbox.baseUrl}\n` +
        `  settings:    ${JSON.stringify(sandbox.settings)}\n` +
        `  credentials: ${JSON.stringify(sandbox.credentials)}\n` +
        `  control:     ${sandbox.baseUrl}/__sandbox/journal · /__sandbox/requests · PUT /__sandbox/faults\n` +
        `  connect it:  POST /v1/connectors (admin key; run the service with ALLOW_PRIVATE_CRM_HOSTS=true)\n` +
        `               ${JSON.stringify(connectorBodyFor(sandbox))}\n`,
    );
  }
  process.stdout.write('\nSandboxes running on 127.0.0.1. Ctrl-C stops them.\n');
  const stop = (): void => {
    void sandboxes.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
