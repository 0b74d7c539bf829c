//! A tiny HTTP/1.1 client over `std::net` for moto's control API (readiness, reset).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Sends `method path` with an empty body to `addr` and returns the response's status code.
pub fn status(addr: SocketAddr, method: &str, path: &str, timeout: Duration) -> io::Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    // One write: `write!` on a bare stream sends each piece separately, and a server that
    // answers after the first piece and closes would reset the connection under us.
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    if let Err(e) = stream.read_to_end(&mut response) {
        // A reset after the status line still answered the question.
        if response.is_empty() {
            return Err(e);
        }
    }
    parse_status(&response).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not an HTTP response: {:?}",
                String::from_utf8_lossy(&response[..response.len().min(200)])
            ),
        )
    })
}

/// The status code of a raw response (`HTTP/1.1 200 OK\r\n...`).
fn parse_status(response: &[u8]) -> Option<u16> {
    let line = response.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split_whitespace();
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line_is_read_from_raw_responses() {
        let cases: [(&[u8], Option<u16>); 4] = [
            (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", Some(200)),
            (b"HTTP/1.0 404 NOT FOUND\r\n", Some(404)),
            (b"garbage", None),
            (b"", None),
        ];
        for (raw, want) in cases {
            assert_eq!(
                parse_status(raw),
                want,
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn status_talks_to_a_local_server() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let n = conn.read(&mut buf).unwrap();
                assert!(n > 0, "the client closed before the end of its request");
                request.extend_from_slice(&buf[..n]);
            }
            let request = String::from_utf8_lossy(&request).to_string();
            conn.write_all(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
            request
        });
        let got = status(addr, "POST", "/moto-api/reset", Duration::from_secs(5)).unwrap();
        assert_eq!(got, 201);
        assert!(server
            .join()
            .unwrap()
            .starts_with("POST /moto-api/reset HTTP/1.1\r\n"));
    }
}
