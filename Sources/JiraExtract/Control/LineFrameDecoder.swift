import NIOCore

/// Splits a byte stream into lines (without the `\n`), the control socket's framing. A line
/// longer than `maxLength` bytes is an error (the peer is not this program, or is broken).
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    struct LineTooLong: Error {}

    let maxLength: Int
    /// Bytes already searched for a newline (a long line is not searched again from its start).
    private var searched = 0

    init(maxLength: Int) { self.maxLength = maxLength }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view[(view.startIndex + searched)...].firstIndex(of: UInt8(ascii: "\n")) else {
            searched = view.count
            if searched > maxLength { throw LineTooLong() }
            return .needMoreData
        }
        let line = buffer.readSlice(length: newline - view.startIndex)!
        buffer.moveReaderIndex(forwardBy: 1)
        searched = 0
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // A last line without its newline is incomplete: the peer went away mid-message.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
