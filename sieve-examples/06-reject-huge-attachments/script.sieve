# Refuse messages over 64K that carry an attachment; everything else is delivered.
require ["reject", "mime"];

if allof (size :over 64K,
          exists :mime :anychild "Content-Disposition",
          header :mime :anychild :contenttype "Content-Disposition" "attachment") {
  reject text:
Your message was not delivered: attachments over 64 KB are not accepted here.
Please share large files through the file server instead.
.
;
}
