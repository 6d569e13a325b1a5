/** The dispatch table: every command name of wire/types.ts to its module. */
import type { CommandName } from '../wire/types.ts';
import type { CommandSpec } from '../session-types.ts';
import { append } from './append.ts';
import { capability } from './capability.ts';
import { copy, move } from './copy-move.ts';
import { enable } from './enable.ts';
import { expunge, uidExpunge } from './expunge.ts';
import { fetch } from './fetch.ts';
import { id } from './id.ts';
import { idle } from './idle.ts';
import { list, lsub } from './list.ts';
import { authenticate, login } from './login.ts';
import { logout } from './logout.ts';
import { create, del, rename, subscribe, unsubscribe } from './mailboxes.ts';
import { namespace } from './namespace.ts';
import { check, noop } from './noop.ts';
import { search } from './search.ts';
import { close, examine, select, unselect } from './select.ts';
import { starttls } from './starttls.ts';
import { status } from './status.ts';
import { store } from './store.ts';
import { getquota, getquotaroot, setquota } from './quota.ts';
import { sort } from './sort.ts';
import { thread } from './thread.ts';
import { compress } from './compress.ts';

export const COMMANDS: { readonly [N in CommandName]: CommandSpec<N> } = {
  CAPABILITY: capability,
  NOOP: noop,
  LOGOUT: logout,
  STARTTLS: starttls,
  AUTHENTICATE: authenticate,
  LOGIN: login,
  ENABLE: enable,
  ID: id,
  NAMESPACE: namespace,
  SELECT: select,
  EXAMINE: examine,
  CREATE: create,
  DELETE: del,
  RENAME: rename,
  SUBSCRIBE: subscribe,
  UNSUBSCRIBE: unsubscribe,
  LIST: list,
  LSUB: lsub,
  STATUS: status,
  APPEND: append,
  IDLE: idle,
  CHECK: check,
  CLOSE: close,
  UNSELECT: unselect,
  EXPUNGE: expunge,
  'UID EXPUNGE': uidExpunge,
  SEARCH: search,
  FETCH: fetch,
  STORE: store,
  COPY: copy,
  MOVE: move,
  SORT: sort,
  THREAD: thread,
  GETQUOTA: getquota,
  GETQUOTAROOT: getquotaroot,
  SETQUOTA: setquota,
  COMPRESS: compress,
};
