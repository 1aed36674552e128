import { storeBehaviour } from "./store-behaviour.js";

storeBehaviour("mbox (INBOX= elsewhere)", {
  mailLocation: (home) => `mbox:${home}/mail:INBOX=${home}/inbox`,
});
storeBehaviour("mbox (INBOX in the root)", { mailLocation: (home) => `mbox:${home}/mail` });
