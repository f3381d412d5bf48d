//! The protocol's framing on standard input and output (`Content-Length` headers, then JSON),
//! with bounds: a malformed message is answered with a parse error (-32700) and the server
//! goes on; a message above [`MAX_MESSAGE`] is read past without being held (lsp-server's own
//! reader allocates whatever length a header claims, and stops at the first malformed
//! message). The messages themselves are lsp-server's types.

use std::io::{self, BufRead, Read, Write};
use std::thread;

use crossbeam_channel::{Receiver, Sender, unbounded};
use lsp_server::Message;

/// The largest message read (the default file-size limit is 32 MiB; JSON escapes can double
/// a document's text).
pub(crate) const MAX_MESSAGE: usize = 72 << 20;

/// The longest header line read.
const MAX_HEADER_LINE: u64 = 1024;

/// What the reader hands the server.
#[derive(Debug)]
pub(crate) enum Incoming {
    Message(Message),
    /// A frame that is not a message: why.
    Malformed(String),
}

/// What the server hands the writer.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Message(Message),
    /// A parse error, answered with a null id as JSON-RPC says.
    ParseError(String),
}

impl From<Message> for Outgoing {
    fn from(message: Message) -> Self {
        Self::Message(message)
    }
}

/// The reading and writing threads of a connection.
pub(crate) struct Threads {
    writer: thread::JoinHandle<io::Result<()>>,
}

impl Threads {
    /// Waits for every message to be written. The reader is not waited for: it stops at `exit`
    /// or at the end of the input, and a client that keeps its end open must not hold the exit.
    pub(crate) fn join(self) -> io::Result<()> {
        self.writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer stopped")))
    }
}

/// A connection on standard input and output.
pub(crate) fn stdio() -> (Sender<Outgoing>, Receiver<Incoming>, Threads) {
    let (to_writer, from_server) = unbounded::<Outgoing>();
    let writer = thread::spawn(move || {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        for outgoing in from_server {
            write_frame(&mut out, &outgoing)?;
        }
        Ok(())
    });
    let (to_server, from_reader) = unbounded::<Incoming>();
    thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = io::BufReader::new(stdin.lock());
        while let Ok(Some(incoming)) = read_frame(&mut input) {
            let exit = matches!(&incoming, Incoming::Message(Message::Notification(n)) if n.method == "exit");
            if to_server.send(incoming).is_err() || exit {
                break;
            }
        }
    });
    (to_writer, from_reader, Threads { writer })
}

pub(crate) fn write_frame(out: &mut impl Write, outgoing: &Outgoing) -> io::Result<()> {
    match outgoing {
        Outgoing::Message(message) => message.write(out),
        Outgoing::ParseError(why) => {
            let body = serde_json::json!({
                "jsonrpc": "2.0",
                "id": null,
                "error": {"code": -32700, "message": why},
            })
            .to_string();
            write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
            out.flush()
        }
    }
}

/// Reads one frame: `Ok(None)` at the end of the input; an error when the input cannot be
/// read on (no `Content-Length`, so where the next message starts is unknown).
pub(crate) fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Incoming>> {
    let mut length: Option<usize> = None;
    let mut too_long = false;
    let mut seen_header = false;
    loop {
        let mut line = Vec::new();
        let read = input.by_ref().take(MAX_HEADER_LINE).read_until(b'\n', &mut line)?;
        if read == 0 {
            return if seen_header {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the input ended inside a header",
                ))
            } else {
                Ok(None)
            };
        }
        if !line.ends_with(b"\n") {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "a header line too long"));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if seen_header {
                break;
            }
            // Blank lines between messages are tolerated.
            continue;
        }
        seen_header = true;
        if let Some((name, value)) = text.split_once(':')
            && name.trim().eq_ignore_ascii_case("Content-Length")
        {
            match value.trim().parse::<u64>() {
                Ok(n) => {
                    too_long = n > MAX_MESSAGE as u64;
                    length = Some(usize::try_from(n).unwrap_or(usize::MAX));
                }
                Err(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a Content-Length that is not a number",
                    ));
                }
            }
        }
    }
    let Some(length) = length else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a message without Content-Length",
        ));
    };
    if too_long {
        // Read past it without holding it, so the next message is found.
        io::copy(&mut input.by_ref().take(length as u64), &mut io::sink())?;
        return Ok(Some(Incoming::Malformed(format!(
            "a message of {length} bytes, above the limit of {MAX_MESSAGE}"
        ))));
    }
    let mut body = Vec::new();
    input.by_ref().take(length as u64).read_to_end(&mut body)?;
    if body.len() < length {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the input ended inside a message",
        ));
    }
    Ok(Some(match serde_json::from_slice::<Message>(&body) {
        Ok(message) => Incoming::Message(message),
        Err(e) => Incoming::Malformed(format!("not a JSON-RPC message: {e}")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<String> {
        let mut reader = io::BufReader::new(input);
        let mut out = Vec::new();
        loop {
            match read_frame(&mut reader) {
                Ok(Some(Incoming::Message(m))) => out.push(format!("message {}", serde_json::to_string(&m).unwrap())),
                Ok(Some(Incoming::Malformed(why))) => out.push(format!("malformed {}", why.split(':').next().unwrap())),
                Ok(None) => return out,
                Err(e) => {
                    out.push(format!("error {e}"));
                    return out;
                }
            }
        }
    }

    #[test]
    fn malformed_and_oversized_messages_are_read_past() {
        let good = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let mut input = Vec::new();
        input.extend_from_slice(b"Content-Length: 5\r\n\r\n{bad}");
        input.extend_from_slice(format!("Content-Length: {}\n\n", good.len()).as_bytes());
        input.extend_from_slice(good);
        let huge = MAX_MESSAGE + 1;
        input.extend_from_slice(format!("Content-Length: {huge}\r\n\r\n").as_bytes());
        input.extend(std::iter::repeat_n(b'x', huge));
        input.extend_from_slice(format!("Content-Length: {}\r\n\r\n", good.len()).as_bytes());
        input.extend_from_slice(good);
        let seen = frames(&input);
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert_eq!(seen[0], "malformed not a JSON-RPC message");
        assert!(seen[1].starts_with("message "), "{seen:?}");
        assert!(seen[2].starts_with("malformed a message of"), "{seen:?}");
        assert!(seen[3].starts_with("message "), "{seen:?}");
    }

    #[test]
    fn a_claimed_length_is_not_allocated_up_front() {
        // 2^62 bytes claimed, none sent: the end of the input, not an allocation of the claim.
        let seen = frames(b"Content-Length: 4611686018427387904\r\n\r\n");
        assert_eq!(
            seen,
            ["malformed a message of 4611686018427387904 bytes, above the limit of 75497472"]
        );
        let short = frames(b"Content-Length: 100\r\n\r\n{}");
        assert_eq!(short, ["error the input ended inside a message"]);
        assert_eq!(frames(b"X: 1\r\n\r\n{}"), ["error a message without Content-Length"]);
        assert!(frames(b"").is_empty());
    }
}
