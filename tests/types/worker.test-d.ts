// tsc --strict (never run): tsunagi/worker's declarations as a team's Worker project uses them —
// the one-line entry re-exporting the Worker, and the broker's RPC answers typed.
import worker, { type BrokerAccessToken, type TsunagiBroker, TsunagiConnection, TsunagiSession } from 'tsunagi/worker';

export { default, TsunagiSession, TsunagiConnection, TsunagiBroker } from 'tsunagi/worker';

declare const request: Request;
const answer: Promise<Response> = worker.fetch(request, {}, {});
void answer;
void TsunagiSession;
void TsunagiConnection;

declare const broker: TsunagiBroker;
async function token(): Promise<string> {
  const t: BrokerAccessToken = await broker.accessToken('idp-service');
  const expires: number = t.expires_at;
  void expires;
  // @ts-expect-error: the connection is named by a string
  await broker.accessToken(42);
  const res: Response = await broker.fetchApi('idp-service', new Request('https://api/v1/things'));
  void res;
  return t.access_token;
}
void token;
