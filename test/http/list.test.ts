/** Lists, records, summaries and the maps list of SPEC section 9, through the fetch handler. */
import { Service, ServiceMap } from 'rx-lifecycle';
import { createServiceMapServer, type ServiceMapServer } from 'rx-lifecycle/http';

interface Page {
  services: { id: string; kind: string; state: { active: boolean } }[];
  nextPageToken?: string;
  totalSize: number;
}

let map: ServiceMap<Service>;
let server: ServiceMapServer;

async function get<T>(path: string): Promise<T> {
  const res = await server.fetch(new Request(`http://localhost${path}`));
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Every page of a list, following nextPageToken. */
async function allPages(query: string): Promise<Page[]> {
  const pages: Page[] = [];
  let token: string | undefined;
  do {
    const sep = query === '' ? '?' : '&';
    const page: Page = await get(`/maps/m/services${query === '' ? '' : `?${query}`}${token === undefined ? '' : `${query === '' ? '?' : sep}pageToken=${token}`}`);
    pages.push(page);
    token = page.nextPageToken;
  } while (token !== undefined && pages.length < 100);
  return pages;
}

beforeEach(() => {
  map = new ServiceMap(() => new Service(() => {}));
  // 120 records, created out of order: ids r000..r119, every third one running, kinds a/b
  for (let i = 119; i >= 0; i--) map.create(`r${String(i).padStart(3, '0')}`, i % 2 ? 'b' : 'a', { active: i % 3 === 0 });
  server = createServiceMapServer({ m: map, other: new ServiceMap(() => new Service(() => {})) });
});
afterEach(() => server.close());

describe('GET /maps/:m/services', () => {
  it('should page by 50 by default, sorted by id, the last page without nextPageToken', async () => {
    const pages = await allPages('');
    expect(pages.map((p) => p.services.length)).toEqual([50, 50, 20]);
    expect(pages.map((p) => p.totalSize)).toEqual([120, 120, 120]);
    expect(pages.map((p) => p.nextPageToken === undefined)).toEqual([false, false, true]);
    const ids = pages.flatMap((p) => p.services.map((s) => s.id));
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(120);
  });

  it('should filter by kind and status, counting the filtered set in totalSize', async () => {
    const pages = await allPages('kind=a&status=running&pageSize=7');
    const expected = map.states().filter((r) => r.kind === 'a' && r.state.active).map((r) => r.id).sort();
    expect(pages[0]!.totalSize).toBe(expected.length);
    expect(pages.flatMap((p) => p.services.map((s) => s.id))).toEqual(expected);
    expect(pages.slice(0, -1).every((p) => p.services.length === 7)).toBe(true);
  });

  it('should answer an empty list with totalSize 0 and no token', async () => {
    expect(await get('/maps/m/services?kind=none')).toEqual({ services: [], totalSize: 0 });
  });

  it('should keep paging right when records are added and removed between pages', async () => {
    const first: Page = await get('/maps/m/services?pageSize=10');
    map.delete('r005'); // on the first page
    map.create('r0000', 'a'); // sorts before every later page
    const second: Page = await get(`/maps/m/services?pageSize=10&pageToken=${first.nextPageToken!}`);
    expect(second.services[0]!.id).toBe('r010');
  });
});

describe('GET /maps, /maps/:m/services/:id and /maps/:m/summary', () => {
  it('should list every map with its total', async () => {
    expect(await get('/maps')).toEqual({ maps: [{ name: 'm', total: 120 }, { name: 'other', total: 0 }] });
  });

  it('should answer one wire record', async () => {
    const record = await get<Record<string, unknown>>('/maps/m/services/r003');
    expect(record).toEqual({ id: 'r003', kind: 'b', state: expect.objectContaining({ active: true, loading: false, failedAttempts: 0 }) });
  });

  it('should answer the summary of the map', async () => {
    expect(await get('/maps/m/summary')).toEqual({ total: 120, active: 40, loading: 0, retrying: 0, failed: 0, byKind: { a: 60, b: 60 } });
  });

  it('should decode percent-encoded ids', async () => {
    map.create('a/b c', 'x');
    expect((await get<{ id: string }>(`/maps/m/services/${encodeURIComponent('a/b c')}`)).id).toBe('a/b c');
  });
});
