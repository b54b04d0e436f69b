/** Delivers one outbound webhook like a vendor would: fire, record the status, never throw into the sandbox. */
export async function postWebhook(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return (await postWebhookForReply(url, body, headers)).status;
}

/** The same, keeping the receiver's answer for vendors that read it (Salesforce's SOAP Ack). Status 0 = no answer. */
export async function postWebhookForReply(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: '' };
  }
}
