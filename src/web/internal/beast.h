// Boost.Beast and Asio, included one way everywhere in src/web (internal). Under GCC 12
// <utility> must come before Boost's coroutine headers. The build defines
// BOOST_ASIO_NO_DEPRECATED and BOOST_BEAST_USE_STD_STRING_VIEW for every user of coolflow_web.
#pragma once

#include <utility>
// <utility> first (GCC 12 and Boost 1.74's coroutine support).
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace coolflow::web::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

// The parser every connection (and the fuzzer) reads requests with.
using RequestParser = http::request_parser<http::string_body>;

}  // namespace coolflow::web::internal
