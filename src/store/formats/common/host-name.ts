import { hostname } from "node:os";

/**
 * The host name, read once: every save names it in the file name and every dotlock in its content,
 * and os.hostname() is a system call each time. Dovecot, too, reads it once at start (my_hostname).
 */
export const HOST_NAME = hostname();
