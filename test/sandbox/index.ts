import { startHubspotSandbox } from './hubspot/hubspot.sandbox';
import { startSalesforceSandbox } from './salesforce/salesforce.sandbox';
import type { RunningSandbox, SandboxOptions } from './common/sandbox.types';
import { startZendeskSandbox } from './zendesk/zendesk.sandbox';
import { startZohoSandbox } from './zoho/zoho.sandbox';

export type Vendor = RunningSandbox['vendor'];

export const SANDBOX_STARTERS: Record<Vendor, (options?: SandboxOptions) => Promise<RunningSandbox>> = {
  salesforce: startSalesforceSandbox,
  hubspot: startHubspotSandbox,
  zendesk: startZendeskSandbox,
  zoho: startZohoSandbox,
};

/** All four sandboxes; `options(vendor)` lets each get its own latency, limits or port. */
export async function startAllSandboxes(
  options: (vendor: Vendor) => SandboxOptions = () => ({}),
): Promise<Record<Vendor, RunningSandbox> & { stop(): Promise<void> }> {
  const entries = await Promise.all(
    (Object.keys(SANDBOX_STARTERS) as Vendor[]).map(
      async (vendor) => [vendor, await SANDBOX_STARTERS[vendor](options(vendor))] as const,
    ),
  );
  const running = Object.fromEntries(entries) as Record<Vendor, RunningSandbox>;
  return {
    ...running,
    stop: async () => {
      await Promise.all(entries.map(([, sandbox]) => sandbox.stop()));
    },
  };
}
