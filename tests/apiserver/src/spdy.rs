//! The SPDY/3.1 framing kubectl's port-forward speaks (inside a WebSocket tunnel): frame
//! parsing and building, and the zlib-compressed header blocks with the SPDY preset
//! dictionary, one compression context per direction for the whole connection.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The SPDY/3 header-compression dictionary (1423 bytes, as in moby/spdystream).
pub const DICTIONARY: &[u8] = include_bytes!("spdy_dictionary.bin");

/// SYN_STREAM: a peer opens a stream.
pub const SYN_STREAM: u16 = 1;
/// SYN_REPLY: the answer that accepts a stream.
pub const SYN_REPLY: u16 = 2;
/// RST_STREAM: a stream is aborted.
pub const RST_STREAM: u16 = 3;
/// PING: echoed back unchanged.
pub const PING: u16 = 6;
/// GOAWAY: the peer is done with the connection.
pub const GOAWAY: u16 = 7;
/// The FIN flag: the sender will send nothing more on the stream.
pub const FLAG_FIN: u8 = 1;

/// One SPDY frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A control frame with its type, flags and payload.
    Control { kind: u16, flags: u8, data: Vec<u8> },
    /// A data frame for a stream.
    Data {
        stream: u32,
        flags: u8,
        data: Vec<u8>,
    },
}

/// Takes one complete frame off the front of `buf`, if it holds one.
pub fn take_frame(buf: &mut Vec<u8>) -> Option<Frame> {
    if buf.len() < 8 {
        return None;
    }
    let len = (usize::from(buf[5]) << 16) | (usize::from(buf[6]) << 8) | usize::from(buf[7]);
    if buf.len() < 8 + len {
        return None;
    }
    let head: Vec<u8> = buf.drain(..8 + len).collect();
    let flags = head[4];
    let data = head[8..].to_vec();
    if head[0] & 0x80 != 0 {
        Some(Frame::Control {
            kind: u16::from_be_bytes([head[2], head[3]]),
            flags,
            data,
        })
    } else {
        let stream = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) & 0x7fff_ffff;
        Some(Frame::Data {
            stream,
            flags,
            data,
        })
    }
}

fn with_header(first: [u8; 4], flags: u8, data: &[u8]) -> Vec<u8> {
    let len = data.len() as u32;
    let mut out = Vec::with_capacity(8 + data.len());
    out.extend_from_slice(&first);
    out.push(flags);
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(data);
    out
}

/// A control frame of SPDY version 3.
pub fn control(kind: u16, flags: u8, data: &[u8]) -> Vec<u8> {
    let k = kind.to_be_bytes();
    with_header([0x80, 0x03, k[0], k[1]], flags, data)
}

/// A data frame for `stream`.
pub fn data(stream: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    with_header((stream & 0x7fff_ffff).to_be_bytes(), flags, payload)
}

/// The stream id at the start of a control frame's payload.
pub fn stream_id(payload: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(payload.get(..4)?.try_into().ok()?) & 0x7fff_ffff)
}

/// Compresses and decompresses header blocks; one per connection.
pub struct HeaderCodec {
    inflate: Decompress,
    deflate: Compress,
}

impl Default for HeaderCodec {
    fn default() -> Self {
        let mut deflate = Compress::new(Compression::default(), true);
        deflate
            .set_dictionary(DICTIONARY)
            .expect("zlib accepts the SPDY dictionary");
        HeaderCodec {
            inflate: Decompress::new(true),
            deflate,
        }
    }
}

fn u32_at(b: &[u8], pos: &mut usize) -> Option<usize> {
    let v = u32::from_be_bytes(b.get(*pos..*pos + 4)?.try_into().ok()?) as usize;
    *pos += 4;
    Some(v)
}

impl HeaderCodec {
    /// Decodes a compressed header block into lowercase `(name, value)` pairs.
    pub fn decode(&mut self, block: &[u8]) -> Result<Vec<(String, String)>, String> {
        let mut plain = Vec::with_capacity(block.len() * 4 + 64);
        let mut input = block;
        loop {
            let before = self.inflate.total_in();
            plain.reserve(4096);
            let res = self
                .inflate
                .decompress_vec(input, &mut plain, FlushDecompress::Sync);
            let used = (self.inflate.total_in() - before) as usize;
            input = &input[used..];
            match res {
                Err(e) if e.needs_dictionary().is_some() => {
                    self.inflate
                        .set_dictionary(DICTIONARY)
                        .map_err(|e| e.to_string())?;
                }
                Err(e) => return Err(e.to_string()),
                Ok(_) if input.is_empty() => break,
                Ok(Status::BufError) if used == 0 => break,
                Ok(_) => {}
            }
        }
        let mut pos = 0;
        let count = u32_at(&plain, &mut pos).ok_or("short header block")?;
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let n = u32_at(&plain, &mut pos).ok_or("short header name")?;
            let name = String::from_utf8_lossy(plain.get(pos..pos + n).ok_or("short header name")?)
                .to_lowercase();
            pos += n;
            let v = u32_at(&plain, &mut pos).ok_or("short header value")?;
            let value =
                String::from_utf8_lossy(plain.get(pos..pos + v).ok_or("short header value")?)
                    .into_owned();
            pos += v;
            out.push((name, value));
        }
        Ok(out)
    }

    /// Encodes `(name, value)` pairs as a compressed header block (sync-flushed).
    pub fn encode(&mut self, headers: &[(&str, &str)]) -> Vec<u8> {
        let mut plain = (headers.len() as u32).to_be_bytes().to_vec();
        for (k, v) in headers {
            plain.extend_from_slice(&(k.len() as u32).to_be_bytes());
            plain.extend_from_slice(k.as_bytes());
            plain.extend_from_slice(&(v.len() as u32).to_be_bytes());
            plain.extend_from_slice(v.as_bytes());
        }
        let mut out = Vec::with_capacity(plain.len() + 64);
        let mut input: &[u8] = &plain;
        loop {
            out.reserve(256);
            let before = self.deflate.total_in();
            let _ = self
                .deflate
                .compress_vec(input, &mut out, FlushCompress::Sync);
            input = &input[(self.deflate.total_in() - before) as usize..];
            // A sync flush is complete once all input is taken and the output has room left.
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_is_the_spdy3_one() {
        assert_eq!(DICTIONARY.len(), 1423);
        assert!(DICTIONARY.starts_with(b"\x00\x00\x00\x07options"));
        assert!(DICTIONARY.ends_with(b"enq=0."));
    }

    #[test]
    fn header_blocks_round_trip_across_one_compression_context() {
        let mut ours = HeaderCodec::default();
        let mut theirs = HeaderCodec::default();
        for port in ["8081", "6123"] {
            let block = ours.encode(&[("streamtype", "data"), ("port", port), ("requestid", "0")]);
            let got = theirs.decode(&block).unwrap();
            assert_eq!(got[1], ("port".to_string(), port.to_string()));
        }
    }

    #[test]
    fn frames_parse_back() {
        let mut buf = [
            control(PING, 0, &7u32.to_be_bytes()),
            data(3, FLAG_FIN, b"hi"),
        ]
        .concat();
        buf.extend_from_slice(&[0x80, 0x03]);
        assert_eq!(
            take_frame(&mut buf),
            Some(Frame::Control {
                kind: PING,
                flags: 0,
                data: 7u32.to_be_bytes().to_vec()
            })
        );
        assert_eq!(
            take_frame(&mut buf),
            Some(Frame::Data {
                stream: 3,
                flags: FLAG_FIN,
                data: b"hi".to_vec()
            })
        );
        assert_eq!(
            take_frame(&mut buf),
            None,
            "an incomplete frame stays buffered"
        );
        assert_eq!(buf.len(), 2);
    }
}
