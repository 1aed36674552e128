// The bridge between a userdb record plus the config and the store: every part of Loft that
// opens a user's mail (protocols, delivery, admin commands) opens it the same way.
import type { UserInfo } from "../auth/index.js";
import type { Config } from "../config/index.js";
import {
  type MailDrop,
  type OpenUserStoreOptions,
  openMailDrop,
  openUserStore,
  type StoreLogger,
  type UserStore,
} from "../store/index.js";
import { parseQuotaRule } from "./quota-rule.js";

export { parseQuotaRule, type QuotaLimits } from "./quota-rule.js";

export function userStoreOptions(user: UserInfo, config: Config, logger?: StoreLogger): OpenUserStoreOptions {
  const rule = user.fields.quota_rule === undefined ? null : parseQuotaRule(user.fields.quota_rule);
  if (user.fields.quota_rule !== undefined && rule === null)
    logger?.warn({ user: user.user, quota_rule: user.fields.quota_rule }, "unsupported quota_rule ignored");
  return {
    user: user.user,
    home: user.home,
    mailLocation: user.mailLocation,
    uid: user.uid,
    gid: user.gid,
    separator: config.namespace.separator,
    mdboxRotateSize: config.mdbox_rotate_size,
    autoCreate: config.mailboxes
      .filter((m) => m.auto !== "no")
      .map((m) => ({ name: m.name, specialUse: m.special_use, subscribe: m.auto === "subscribe" })),
    quota: {
      storage: rule?.storage ?? config.quota.storage,
      messages: rule?.messages ?? config.quota.messages,
    },
    logger,
  };
}

export function openUserMail(
  user: UserInfo,
  config: Config,
  logger?: StoreLogger,
  extra: Pick<OpenUserStoreOptions, "indexLingerMs"> = {},
): Promise<UserStore> {
  return openUserStore({ ...userStoreOptions(user, config, logger), ...extra });
}

/** What a delivery needs of the user's mail (store's openMailDrop). */
export function openUserMailDrop(user: UserInfo, config: Config, logger?: StoreLogger): Promise<MailDrop> {
  return openMailDrop(userStoreOptions(user, config, logger));
}
