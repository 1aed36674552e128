// RFC 3894: :copy on fileinto and redirect keeps the implicit keep.
import type { Extension } from "../extension.js";

export const copy: Extension = {
  name: "copy",
  tags: [
    {
      to: ["fileinto", "redirect"],
      tag: {
        name: ":copy",
        modifyAction(action) {
          action.cancelsImplicitKeep = false;
          (action as { options?: Record<string, unknown> }).options!.copy = true;
        },
      },
    },
  ],
};
