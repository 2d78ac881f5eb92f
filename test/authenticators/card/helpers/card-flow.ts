import { randomUUID } from 'node:crypto';

import type { TestCards, CardName } from './test-cards.js';

/** Talks to a running agent the way the login page does (Origin header set by the browser). */
export class AgentClient {
  constructor(readonly url: string, readonly origin: string) {}

  async cards(): Promise<{ status: number; body: { cards: { slot: string; label: string; pin: { tries: string } }[] } & Record<string, unknown> }> {
    const res = await fetch(`${this.url}/v1/cards`, { headers: { Origin: this.origin } });
    return { status: res.status, body: await res.json() as never };
  }

  async sign(body: Record<string, unknown>): Promise<{ status: number; body: Record<string, string> }> {
    const res = await fetch(`${this.url}/v1/sign`, {
      method: 'POST', headers: { Origin: this.origin, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() as Record<string, string> };
  }

  async slotOf(label: string): Promise<string> {
    const { body } = await this.cards();
    const card = body.cards.find((c) => c.label === label);
    if (!card) throw new Error(`no token "${label}" (have ${body.cards.map((c) => c.label).join(', ')})`);
    return card.slot;
  }
}

export interface Interaction {
  uid: string;
  cookie: string;
  csrf: string;
}

/** The server side of the card login, as the page calls it. */
export class ServerClient {
  constructor(readonly appUrl: string, readonly issuerPath: string, private readonly open: (uid: string) => { cookie: string; csrf: string }) {}

  interaction(uid: string = randomUUID()): Interaction {
    return { uid, ...this.open(uid) };
  }

  url(i: Interaction, what: string): string {
    return `${this.appUrl}${this.issuerPath}/interaction/${i.uid}/card/${what}`;
  }

  async challenge(i: Interaction): Promise<{ status: number; body: Record<string, string> }> {
    const res = await fetch(this.url(i, 'challenge'), { method: 'POST', headers: { Cookie: i.cookie, 'X-CSRF-Token': i.csrf, Accept: 'application/json' } });
    return { status: res.status, body: await res.json() as Record<string, string> };
  }

  async verify(i: Interaction, body: Record<string, unknown>): Promise<{ status: number; location: string | null; body: Record<string, string> }> {
    const res = await fetch(this.url(i, 'verify'), {
      method: 'POST', redirect: 'manual',
      headers: { Cookie: i.cookie, 'X-CSRF-Token': i.csrf, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, location: res.headers.get('location'), body: text.startsWith('{') ? JSON.parse(text) as Record<string, string> : {} };
  }
}

/** Challenge → agent signature with `card` → the verify body. */
export async function signWithCard(
  server: ServerClient, agent: AgentClient, cards: TestCards, i: Interaction, card: CardName, pin = '1234',
): Promise<{ challengeId: string; certificate: string; signature: string }> {
  const c = await server.challenge(i);
  if (c.status !== 200) throw new Error(`challenge: ${c.status} ${JSON.stringify(c.body)}`);
  const s = await agent.sign({ challenge: c.body.challenge, pin, slot: await agent.slotOf(cards.label(card)) });
  if (s.status !== 200) throw new Error(`sign: ${s.status} ${JSON.stringify(s.body)}`);
  return { challengeId: c.body.challengeId!, certificate: s.body.certificate!, signature: s.body.signature! };
}
