// glibc's argp-fmtstream, the word-wrapping stream argp prints help through,
// ported operation for operation so that --help and --usage wrap exactly as
// ch-run's do for any ARGP_HELP_FMT. Where a line breaks depends on how
// much text was buffered when the stream last scanned it, so the fixed-size
// buffer, its flushes and even the bytes left beyond its end (which the
// wrapper may peek at) are modelled too.

var INIT_BUF_SIZE = 200;
var PRINTF_SIZE_GUESS = 150;

function isblank(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

export class FmtStream {
  /** The buffer; undefined where nothing was ever written (garbage in C,
      which the wrapper treats as a non-blank). */
  private b: Array<string | undefined> = [];
  private end = INIT_BUF_SIZE;
  private p = 0;
  private pointOffs = 0;
  private pointCol = 0;
  private out: string[] = [];
  lmargin = 0;
  wmargin = 0;

  constructor(public rmargin: number) {}

  private memmove(dst: number, src: number, n: number): void {
    var tmp = this.b.slice(src, src + n);
    for (var i = 0; i < n; i++)
      this.b[dst + i] = tmp[i];
  }

  private text(from: number, to: number): string {
    return this.b.slice(from, to).join("");
  }

  /** Wrap the text written since the last scan (argp_fmtstream_update). */
  private update(): void {
    var buf = this.pointOffs;
    while (buf < this.p) {
      if (this.pointCol === 0 && this.lmargin !== 0) {
        var pad = this.lmargin;
        if (this.p + pad < this.end) {
          this.memmove(buf + pad, buf, this.p - buf);
          this.p += pad;
          for (var i = 0; i < pad; i++)
            this.b[buf + i] = " ";
          buf += pad;
        } else {
          this.out.push(" ".repeat(pad));
        }
        this.pointCol = pad;
      }

      var len = this.p - buf;
      var nl = -1;
      for (var k = buf; k < this.p; k++)
        if (this.b[k] === "\n") {
          nl = k;
          break;
        }
      if (this.pointCol < 0)
        this.pointCol = 0;

      if (nl < 0) {
        if (this.pointCol + len < this.rmargin) {
          this.pointCol += len;
          break;
        }
        nl = this.p;
      } else if (this.pointCol + (nl - buf) < this.rmargin) {
        this.pointCol = 0;
        buf = nl + 1;
        continue;
      }

      // Too long: break at the last blank before the right margin, or
      // after an over-long word.
      var r = this.rmargin - 1;
      var q = buf + (r + 1 - this.pointCol);
      while (q >= buf && !isblank(this.b[q]))
        --q;
      var nextline = q + 1;
      if (nextline > buf) {
        if (q >= buf)
          do
            --q;
          while (q >= buf && isblank(this.b[q]));
        nl = q + 1;
      } else {
        q = buf + (r + 1 - this.pointCol);
        do
          ++q;
        while (q < nl && !isblank(this.b[q]));
        if (q === nl) {
          this.pointCol = 0;
          buf = nl + 1;
          continue;
        }
        nl = q;
        do
          ++q;
        while (isblank(this.b[q]));
        nextline = q;
      }

      if ((nextline === buf + len + 1 ? this.end - nl < this.wmargin + 1 : nextline - (nl + 1) < this.wmargin)
          && this.p > nextline) {
        if (this.end - this.p > this.wmargin + 1) {
          var mv = this.p - nextline;
          this.memmove(nl + 1 + this.wmargin, nextline, mv);
          nextline = nl + 1 + this.wmargin;
          len = nextline + mv - buf;
          this.b[nl++] = "\n";
        } else {
          this.out.push(this.text(0, nl) + "\n");
          len += buf;
          nl = buf = 0;
        }
      } else {
        this.b[nl++] = "\n";
      }

      if (nextline - nl >= this.wmargin || (nextline === buf + len + 1 && this.end - nextline >= this.wmargin))
        for (var j = 0; j < this.wmargin; ++j)
          this.b[nl++] = " ";
      else
        this.out.push(" ".repeat(this.wmargin));

      if (nl < nextline)
        this.memmove(nl, nextline, buf + len - nextline);
      len -= nextline - buf;
      buf = nl;
      this.p = nl + len;
      this.pointCol = this.wmargin ? this.wmargin : -1;
    }
    this.pointOffs = this.p;
  }

  /** Make room for amount more characters, flushing (argp_fmtstream_ensure). */
  private ensure(amount: number): void {
    if (this.end - this.p >= amount)
      return;
    this.update();
    this.out.push(this.text(0, this.p));
    this.p = 0;
    this.pointOffs = 0;
    if (this.end < amount)
      this.end += amount;
  }

  putc(c: string): void {
    if (this.p >= this.end)
      this.ensure(1);
    this.b[this.p++] = c;
  }

  /** argp_fmtstream_puts / argp_fmtstream_write. */
  puts(s: string): void {
    if (s === "")
      return;
    if (this.p + s.length > this.end)
      this.ensure(s.length);
    for (var i = 0; i < s.length; i++)
      this.b[this.p + i] = s.charAt(i);
    this.p += s.length;
  }

  /** argp_fmtstream_printf with s already formatted: vsnprintf leaves a
      NUL after the text, which the wrapper may later look at. */
  printf(s: string): void {
    var guess = PRINTF_SIZE_GUESS;
    for (;;) {
      this.ensure(guess);
      var avail = this.end - this.p;
      var n = Math.min(s.length, avail - 1);
      for (var i = 0; i < n; i++)
        this.b[this.p + i] = s.charAt(i);
      this.b[this.p + n] = "\0";
      if (s.length < avail)
        break;
      guess = s.length + 1;
    }
    this.p += s.length;
  }

  /** Current column, after wrapping what is pending. */
  point(): number {
    if (this.p > this.pointOffs)
      this.update();
    return this.pointCol >= 0 ? this.pointCol : 0;
  }

  setLmargin(m: number): number {
    if (this.p > this.pointOffs)
      this.update();
    var old = this.lmargin;
    this.lmargin = m;
    return old;
  }

  setWmargin(m: number): number {
    if (this.p > this.pointOffs)
      this.update();
    var old = this.wmargin;
    this.wmargin = m;
    return old;
  }

  /** Flush and return everything written (argp_fmtstream_free). */
  finish(): string {
    this.update();
    this.out.push(this.text(0, this.p));
    this.p = 0;
    return this.out.join("");
  }
}
