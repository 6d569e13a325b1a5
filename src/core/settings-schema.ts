/**
 * The account settings schema: each key declared once (type, allowed values, default, a
 * one-line description). The store validates against it, the CLI lists it, the web settings page
 * renders from it, and the protocols read typed values through it.
 */
import { PkError } from './errors.ts';
import { LIMITS } from './limits.ts';

interface EnumSetting<V extends string> {
  readonly kind: 'enum';
  readonly values: readonly V[];
  readonly default: V;
  readonly description: string;
}
interface BoolSetting {
  readonly kind: 'boolean';
  readonly default: boolean;
  readonly description: string;
}
interface IntChoiceSetting<V extends number> {
  readonly kind: 'int-choice';
  readonly values: readonly V[];
  readonly default: V;
  readonly description: string;
}
interface AddressSetting {
  readonly kind: 'address-or-empty';
  readonly default: '';
  readonly description: string;
}

export const SETTINGS = {
  'imap.enabled': {
    kind: 'boolean',
    default: true,
    description: 'Allow IMAP logins for this account.',
  },
  'imap.auto-expunge': {
    kind: 'boolean',
    default: false,
    description: 'Expunge a message as soon as an IMAP client marks it \\Deleted.',
  },
  'imap.expunge-action': {
    kind: 'enum',
    values: ['delete', 'trash', 'archive'],
    default: 'delete',
    description: 'What an IMAP expunge does: delete forever, move to Trash, or move to Archive.',
  },
  'imap.folder-limit': {
    kind: 'int-choice',
    values: [0, 1000, 2000, 5000, 10000],
    default: 0,
    description: 'Show IMAP clients only the newest N messages of a folder (0 = no limit).',
  },
  'pop.enabled': {
    kind: 'enum',
    values: ['all', 'from-now-on', 'off'],
    default: 'all',
    description: 'POP3 download: every message, only mail arriving from now on, or off.',
  },
  'pop.mode': {
    kind: 'enum',
    values: ['classic', 'gmail'],
    default: 'classic',
    description: 'classic: the maildrop is INBOX; gmail: list only messages not yet downloaded.',
  },
  'pop.after-retrieve': {
    kind: 'enum',
    values: ['keep', 'mark-read', 'archive', 'trash', 'delete'],
    default: 'keep',
    description: 'What happens to the server copy of a message after a POP client retrieved it.',
  },
  'forward.to': {
    kind: 'address-or-empty',
    default: '',
    description: 'Forward incoming mail to this address (empty = no forwarding).',
  },
  'forward.keep': {
    kind: 'enum',
    values: ['keep', 'mark-read', 'archive', 'trash'],
    default: 'keep',
    description: 'What to do with the local copy of forwarded mail.',
  },
  'sent.save-copy': {
    kind: 'boolean',
    default: true,
    description: 'File a copy of mail sent through submission in the Sent folder.',
  },
} as const satisfies Record<
  string,
  EnumSetting<string> | BoolSetting | IntChoiceSetting<number> | AddressSetting
>;

export type SettingKey = keyof typeof SETTINGS;

type ValueOf<D> = D extends { kind: 'boolean' }
  ? boolean
  : D extends { kind: 'enum'; values: readonly (infer V)[] }
    ? V
    : D extends { kind: 'int-choice'; values: readonly (infer N)[] }
      ? N
      : D extends { kind: 'address-or-empty' }
        ? string
        : never;

/** The typed value of each setting, e.g. `SettingValue<'pop.mode'>` is `'classic' | 'gmail'`. */
export type SettingValue<K extends SettingKey> = ValueOf<(typeof SETTINGS)[K]>;

/** All settings of one account, typed, defaults filled in. */
export type AccountSettings = { [K in SettingKey]: SettingValue<K> };

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}

export function assertSettingKey(key: string): SettingKey {
  if (!isSettingKey(key)) {
    throw new PkError(
      'PK_ERR_SETTING_UNKNOWN',
      `unknown setting "${key}"; known settings: ${SETTING_KEYS.join(', ')}`,
    );
  }
  return key;
}

/** Describes the allowed values of a key for error messages and `settings list`. */
export function allowedValues(key: SettingKey): string {
  const def = SETTINGS[key];
  switch (def.kind) {
    case 'boolean':
      return 'true | false';
    case 'enum':
      return def.values.join(' | ');
    case 'int-choice':
      return def.values.join(' | ');
    case 'address-or-empty':
      return 'an email address, or "" for none';
  }
}

const ADDRESS_RE = /^[^\s@"<>()[\],;:\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Parses and validates the text form of a value (as typed on the CLI or stored in the database). */
export function parseSettingValue<K extends SettingKey>(key: K, text: string): SettingValue<K> {
  const def = SETTINGS[key];
  const bad = (): never => {
    throw new PkError(
      'PK_ERR_SETTING_VALUE',
      `invalid value "${text}" for ${key}; allowed: ${allowedValues(key)}`,
    );
  };
  switch (def.kind) {
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (t === 'true' || t === 'yes' || t === 'on' || t === '1') return true as SettingValue<K>;
      if (t === 'false' || t === 'no' || t === 'off' || t === '0') return false as SettingValue<K>;
      return bad();
    }
    case 'enum': {
      const v = text.trim();
      if ((def.values as readonly string[]).includes(v)) return v as SettingValue<K>;
      return bad();
    }
    case 'int-choice': {
      const t = text.trim();
      if (!/^\d+$/.test(t)) return bad();
      const n = Number(t);
      if ((def.values as readonly number[]).includes(n)) return n as SettingValue<K>;
      return bad();
    }
    case 'address-or-empty': {
      const v = text.trim();
      if (v === '') return '' as SettingValue<K>;
      if (v.length > LIMITS.addressLength || !ADDRESS_RE.test(v)) return bad();
      return v as SettingValue<K>;
    }
  }
}

/** The canonical text form stored in the database and printed by the CLI. */
export function formatSettingValue(value: AccountSettings[SettingKey]): string {
  return String(value);
}

export function defaultSettings(): AccountSettings {
  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) out[key] = SETTINGS[key].default;
  return out as AccountSettings;
}
