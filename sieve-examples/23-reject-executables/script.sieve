# Refuse mail that carries Windows executables, found by walking every MIME part.
require ["foreverypart", "mime", "reject", "variables"];

foreverypart {
  if header :mime :param "filename" :matches "Content-Disposition" ["*.exe", "*.scr", "*.bat"] {
    reject "Executable attachments (${1}) are not accepted.";
    break;
  }
}
