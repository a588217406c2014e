import { LineSeries, createChart, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { WagerflowClient, type BetState } from '@wagerflow/client';
import type { FeedStatus, GridCell } from '@wagerflow/contracts';

/**
 * The play page: the live price (public market stream, SPEC 4.3) under the grid, bets through @wagerflow/client and
 * their states exactly as the SDK reports them (PENDING → CONFIRMED / REJECTED / UNKNOWN, then the settlement).
 * Credentials come from the URL fragment (never sent to a server) and are removed from the address bar at once.
 */
const MARKET = 'BTC-USD';
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const money = (cents: number) => (cents / 100).toFixed(2);
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

const fragment = new URLSearchParams(location.hash.slice(1));
const apiKey = fragment.get('apiKey') ?? '';
const apiSecret = fragment.get('apiSecret') ?? '';
if (location.hash) history.replaceState(null, '', location.pathname + location.search);

let status: FeedStatus = 'CRITICAL';
let lockoutMs = 2_000;
let cells: GridCell[] = [];
let shownWalletSeq = -1;

// ---- the chart: one line of prices, fed by the market stream ----
const chart = createChart($('chart'), { autoSize: true, timeScale: { timeVisible: true, secondsVisible: true } });
const line: ISeriesApi<'Line'> = chart.addSeries(LineSeries, { lineWidth: 2 });
let lastTime = 0;
function plot(price: number, ts: number): void {
  $('price').textContent = price.toFixed(2);
  const time = Math.max(lastTime, Math.floor(ts / 1000));
  lastTime = time;
  line.update({ time: time as UTCTimestamp, value: price });
}

function showStatus(next: FeedStatus): void {
  status = next;
  const banner = $('banner');
  banner.hidden = next === 'HEALTHY';
  banner.className = next;
  banner.textContent =
    next === 'DEGRADED'
      ? 'The price feed is delayed (DEGRADED): bets are still accepted.'
      : next === 'CRITICAL'
        ? 'The price feed is down (CRITICAL): betting is suspended.'
        : '';
  renderGrid();
}

function openMarketStream(delayMs = 0): void {
  setTimeout(() => {
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/v1/markets/stream`);
    ws.addEventListener('message', (e: MessageEvent<string>) => {
      const m = JSON.parse(e.data) as { type: string; marketId: string; price?: number; ts?: number; status?: FeedStatus };
      if (m.marketId !== MARKET) return;
      if (m.type === 'price' && m.price !== undefined && m.ts !== undefined) plot(m.price, m.ts);
      if (m.type === 'feed:status' && m.status) showStatus(m.status);
    });
    // No seq on this stream: a reconnect starts again from the snapshot the server sends after the upgrade.
    ws.addEventListener('close', () => openMarketStream(1_000));
  }, delayMs);
}

// ---- the grid: bands (rows, highest price first) over the coming windows (columns) ----
async function refreshGrid(): Promise<void> {
  try {
    const res = await fetch(`/v1/markets/${MARKET}/grid`);
    if (!res.ok) return;
    const grid = (await res.json()) as { lockoutMs: number; cells: GridCell[] };
    lockoutMs = grid.lockoutMs;
    // A CRITICAL market offers no cells: keep showing the last grid, disabled, rather than an empty page.
    if (grid.cells.length > 0 || status !== 'CRITICAL') cells = grid.cells;
    renderGrid();
  } catch {
    /* the next refresh tries again */
  }
}

function renderGrid(): void {
  const now = Date.now();
  const windows = [...new Set(cells.map((c) => c.windowStart))].sort((a, b) => a - b);
  const bands = [...new Set(cells.map((c) => c.priceLow))].sort((a, b) => b - a);
  const grid = $('grid');
  grid.style.gridTemplateColumns = `repeat(${windows.length}, minmax(56px, 1fr))`;
  const nodes: HTMLElement[] = windows.map((w) => {
    const head = document.createElement('div');
    head.className = 'head';
    head.textContent = clock(w);
    return head;
  });
  const byKey = new Map(cells.map((c) => [`${c.windowStart}:${c.priceLow}`, c]));
  for (const low of bands) {
    for (const w of windows) {
      const c = byKey.get(`${w}:${low}`);
      const b = document.createElement('button');
      b.type = 'button';
      if (!c) {
        b.disabled = true;
        b.textContent = '–';
        b.setAttribute('aria-label', `no offer for ${low} in the window at ${clock(w)}`);
      } else {
        const closesIn = c.windowStart - lockoutMs - now;
        b.textContent = `${c.priceLow} ×${c.multiplier.toFixed(2)}`;
        b.dataset.cellId = c.cellId;
        b.disabled = status === 'CRITICAL' || closesIn <= 0;
        if (closesIn > 0 && closesIn < 3_000) b.classList.add('closing');
        b.setAttribute(
          'aria-label',
          `Bet that the price touches ${c.priceLow} to ${c.priceHigh} between ${clock(c.windowStart)} and ${clock(c.windowEnd)}, pays ×${c.multiplier.toFixed(2)}` +
            (closesIn > 0 && closesIn < 3_000 ? `, closes in ${Math.ceil(closesIn / 1000)} s` : ''),
        );
        b.addEventListener('click', () => placeBet(c));
      }
      nodes.push(b);
    }
  }
  grid.replaceChildren(...nodes);
}

// ---- bets through the SDK ----
const sdk = new WagerflowClient({ baseUrl: location.origin, apiKey, apiSecret });

function describe(s: BetState): string {
  const what = `${s.body.cellId} · stake ${money(s.body.stake)}`;
  switch (s.phase) {
    case 'PENDING':
      return `${what} · PENDING`;
    case 'UNKNOWN':
      return `${what} · UNKNOWN: connection lost, checking with the server${s.gaveUpResubmitting ? ' (could not place it, still checking)' : '…'}`;
    case 'REJECTED':
      return `${what} · REJECTED: ${s.reason ?? 'refused'}`;
    case 'CONFIRMED': {
      const settled = s.result && s.result !== 'open' ? ` · ${s.result.toUpperCase()} · payout ${money(s.payout ?? 0)}` : ' · open';
      return `${what} · CONFIRMED ×${s.multiplier?.toFixed(2) ?? '?'}${settled}`;
    }
  }
}

function showBet(s: BetState): void {
  const id = `bet-${s.body.clientBetId}`;
  let li = document.getElementById(id);
  if (!li) {
    li = document.createElement('li');
    li.id = id;
    $('bets').prepend(li);
  }
  li.className = s.phase;
  li.dataset.phase = s.phase;
  li.dataset.result = s.result ?? '';
  li.textContent = describe(s);
}

function placeBet(c: GridCell): void {
  const stake = Math.floor(Number($<HTMLInputElement>('stake').value));
  sdk.placeBet({ marketId: MARKET, cellId: c.cellId, stake }).catch((err: unknown) => {
    $('connection').textContent = `Could not place the bet: ${err instanceof Error ? err.message : String(err)}`;
  });
}

sdk.on('bet', ({ state }) => showBet(state));
sdk.on('settled', (state) => showBet(state));
sdk.on('balance', ({ balance, walletSeq }) => {
  // The stream's balance, never backwards: only a newer wallet sequence replaces it.
  if (walletSeq <= shownWalletSeq) return;
  shownWalletSeq = walletSeq;
  $('balance').textContent = money(balance);
});
sdk.on('connection', ({ state }) => {
  $('connection').textContent = state === 'up' ? 'Live' : 'Connection lost: reconnecting…';
});

async function main(): Promise<void> {
  openMarketStream();
  await refreshGrid();
  setInterval(() => void refreshGrid(), 1_000);
  if (!apiKey || !apiSecret) {
    $('connection').textContent = 'No credentials: open the URL `pnpm start` printed (key and secret in the fragment).';
    return;
  }
  const hello = await sdk.connect();
  if (hello.walletSeq > shownWalletSeq) {
    shownWalletSeq = hello.walletSeq;
    $('balance').textContent = money(hello.balance);
  }
  $('connection').textContent = 'Live';
}

main().catch((err: unknown) => {
  $('connection').textContent = `Could not connect: ${err instanceof Error ? err.message : String(err)}`;
});
