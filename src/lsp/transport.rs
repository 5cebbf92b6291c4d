//! The language server's stdio transport: JSON-RPC messages framed by `Content-Length` headers.
//!
//! A reader thread turns standard input into [`Incoming`] items and a writer thread writes
//! [`Outgoing`] ones to standard output. Unlike a transport that stops at the first bad input,
//! this one answers a body that is not JSON-RPC with a `ParseError` response (id `null`) and
//! goes on; a header block without a usable `Content-Length` is reported on stderr and
//! skipped. End of input (the client went away) ends the stream with [`Incoming::Closed`].

use crossbeam_channel::{unbounded, Receiver, Sender};
use lsp_server::Message;
use std::io::{self, BufRead, Write};

/// What the reader hands the server.
#[derive(Debug)]
pub(crate) enum Incoming {
    Message(Message),
    /// A framed body that is not a JSON-RPC message (already answered with a parse error).
    Malformed,
    /// Standard input ended or failed: the client is gone.
    Closed,
}

/// What the writer writes.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Message(Message),
    /// A JSON text written as it is (a response the message types cannot express).
    Raw(String),
}

/// Where the reader and writer threads are; [`Transport::join`] waits for the writer to
/// flush what it was given.
pub(crate) struct Transport {
    pub(crate) incoming: Receiver<Incoming>,
    pub(crate) outgoing: Sender<Outgoing>,
    writer: std::thread::JoinHandle<()>,
}

impl Transport {
    /// The transport over this process's standard input and output.
    pub(crate) fn stdio() -> io::Result<Transport> {
        let (in_tx, in_rx) = unbounded();
        let (out_tx, out_rx) = unbounded::<Outgoing>();
        let writer = std::thread::Builder::new()
            .name("lsp-writer".into())
            .spawn(move || {
                let stdout = io::stdout();
                let mut out = stdout.lock();
                for msg in out_rx {
                    let written = match msg {
                        Outgoing::Message(m) => m.write(&mut out),
                        Outgoing::Raw(text) => write_frame(&mut out, &text),
                    };
                    if written.is_err() {
                        // The client closed its end: nothing more can be said.
                        break;
                    }
                }
            })?;
        let parse_errors = out_tx.clone();
        std::thread::Builder::new()
            .name("lsp-reader".into())
            .spawn(move || {
                let stdin = io::stdin();
                let mut input = stdin.lock();
                read_loop(&mut input, &in_tx, &parse_errors);
            })?;
        Ok(Transport {
            incoming: in_rx,
            outgoing: out_tx,
            writer,
        })
    }

    /// Closes the outgoing side and waits until everything sent was written.
    pub(crate) fn join(self) {
        drop(self.outgoing);
        let _ = self.writer.join();
    }
}

/// Reads framed messages until the input ends.
fn read_loop(input: &mut impl BufRead, to_server: &Sender<Incoming>, out: &Sender<Outgoing>) {
    loop {
        match read_frame(input) {
            Ok(Frame::Body(body)) => {
                let item = match serde_json::from_str::<Message>(&body) {
                    Ok(m) => Incoming::Message(m),
                    Err(e) => {
                        let message = format!("the message is not JSON-RPC: {e}");
                        let _ = out.send(Outgoing::Raw(parse_error(&message)));
                        Incoming::Malformed
                    }
                };
                let is_exit = matches!(&item, Incoming::Message(Message::Notification(n)) if n.method == "exit");
                if to_server.send(item).is_err() || is_exit {
                    return;
                }
            }
            Ok(Frame::BadHeader(why)) => {
                eprintln!("dana lsp: {why}; skipping that message");
                let _ = out.send(Outgoing::Raw(parse_error(&why)));
            }
            Ok(Frame::End) | Err(_) => {
                let _ = to_server.send(Incoming::Closed);
                return;
            }
        }
    }
}

enum Frame {
    Body(String),
    BadHeader(String),
    End,
}

/// The largest body accepted (a document of 64 MiB is far past any editor's).
const MAX_BODY: usize = 64 << 20;

/// One header block and its body. Header lines end with `\r\n` (a bare `\n` is accepted);
/// unknown headers are ignored.
fn read_frame(input: &mut impl BufRead) -> io::Result<Frame> {
    let mut length: Option<Result<usize, String>> = None;
    let mut saw_header = false;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(Frame::End);
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            if !saw_header {
                // Blank lines between messages.
                continue;
            }
            break;
        }
        saw_header = true;
        if let Some((name, value)) = l.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = Some(
                    value
                        .trim()
                        .parse::<usize>()
                        .map_err(|_| format!("bad Content-Length header '{}'", value.trim())),
                );
            }
        } else if length.is_none() {
            length = Some(Err(format!("malformed header line '{l}'")));
        }
    }
    let n = match length {
        Some(Ok(n)) if n <= MAX_BODY => n,
        Some(Ok(n)) => {
            return Ok(Frame::BadHeader(format!(
                "a message of {n} bytes is over the limit of {MAX_BODY}"
            )))
        }
        Some(Err(why)) => return Ok(Frame::BadHeader(why)),
        None => return Ok(Frame::BadHeader("a message without Content-Length".into())),
    };
    let mut body = vec![0; n];
    input.read_exact(&mut body)?;
    match String::from_utf8(body) {
        Ok(s) => Ok(Frame::Body(s)),
        Err(_) => Ok(Frame::Body(String::from("\u{fffd}"))),
    }
}

/// A JSON-RPC parse error response (id `null`, as the protocol says when the id is unknown).
fn parse_error(message: &str) -> String {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": lsp_server::ErrorCode::ParseError as i32, "message": message},
    })
    .to_string()
}

fn write_frame(out: &mut impl Write, text: &str) -> io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n{text}", text.len())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &str) -> Vec<String> {
        let mut r = io::Cursor::new(input.as_bytes().to_vec());
        let mut out = Vec::new();
        loop {
            match read_frame(&mut r).unwrap() {
                Frame::Body(b) => out.push(b),
                Frame::BadHeader(w) => out.push(format!("bad: {w}")),
                Frame::End => return out,
            }
        }
    }

    #[test]
    fn framing_survives_bad_headers() {
        let got = frames(
            "Content-Length: 2\r\n\r\n{}\
             Content-Length: x\r\n\r\n\
             Content-Type: a\r\nContent-Length: 3\r\n\r\n[1]",
        );
        assert_eq!(got, ["{}", "bad: bad Content-Length header 'x'", "[1]"]);
    }
}
