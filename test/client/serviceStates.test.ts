import { localHarness, serviceStatesSuite } from '../shared/serviceStatesSuite';
import { httpHarness } from '../http/helpers';

serviceStatesSuite('a local ServiceMap', localHarness);
serviceStatesSuite('a RemoteServiceMap over HTTP', httpHarness);
