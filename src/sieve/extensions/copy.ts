// RFC 3894: :copy on fileinto and redirect keeps the implicit keep.
import { RedirectAction, StoreAction } from "../actions.js";
import type { Extension } from "../extension.js";

export const copy: Extension = {
  name: "copy",
  tags: [
    {
      to: ["fileinto", "redirect"],
      tag: {
        name: ":copy",
        modifyAction(action) {
          if (!(action instanceof StoreAction || action instanceof RedirectAction)) return;
          action.cancelsImplicitKeep = false;
          action.options.copy = true;
        },
      },
    },
  ],
};
