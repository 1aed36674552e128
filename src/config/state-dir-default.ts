/** state_dir when the config names none; apart from the schema so loft-lda finds its cache without it. */
export const DEFAULT_STATE_DIR = "var";
