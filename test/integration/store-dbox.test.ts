import { storeBehaviour } from "./store-behaviour.js";

storeBehaviour("sdbox", { mailLocation: (home) => `sdbox:${home}/sdbox`, flagsOnlyInIndex: true });
storeBehaviour("sdbox (ALT=, separator .)", {
  mailLocation: (home) => `sdbox:${home}/sdbox:ALT=${home}/alt`,
  separator: ".",
  flagsOnlyInIndex: true,
});
storeBehaviour("mdbox", { mailLocation: (home) => `mdbox:${home}/mdbox`, flagsOnlyInIndex: true });
storeBehaviour("mdbox (ALT=, small rotate size)", {
  mailLocation: (home) => `mdbox:${home}/mdbox:ALT=${home}/alt`,
  flagsOnlyInIndex: true,
  storeOptions: { mdboxRotateSize: 2048 },
});
