import { storeBehaviour } from "./store-behaviour.js";

storeBehaviour("maildir (Maildir++)", { mailLocation: (home) => `maildir:${home}/Maildir` });
storeBehaviour("maildir (LAYOUT=fs, separator .)", {
  mailLocation: (home) => `maildir:${home}/Maildir:LAYOUT=fs`,
  separator: ".",
});
storeBehaviour("maildir (CONTROL= elsewhere)", {
  mailLocation: (home) => `maildir:${home}/Maildir:CONTROL=${home}/control`,
});
