#!/usr/bin/env escript
%% Erlang/OTP's own term_to_binary/binary_to_term, run by erlang_test.go.
%% Files hold terms framed as <<Length:32, Term:Length/binary>>.
%%
%%   otp.escript echo IN OUT   decode each term of IN, re-encode it into OUT
%%   otp.escript gen OUT       encode terms() into OUT
%%   otp.escript check IN      decode IN and compare with terms() (=:=)
%%
%% terms() has no integral floats: JSON cannot tell 2.0 from 2.
-mode(compile).

main(["echo", In, Out]) ->
    Terms = [binary_to_term(B) || B <- read(In)],
    ok = file:write_file(Out, [frame(term_to_binary(T)) || T <- Terms]);
main(["gen", Out]) ->
    ok = file:write_file(Out, [frame(term_to_binary(T)) || T <- terms()]);
main(["check", In]) ->
    Got = [binary_to_term(B) || B <- read(In)],
    check(1, Got, terms()).

check(_, [], []) ->
    ok;
check(N, [T | Got], [T | Want]) ->
    check(N + 1, Got, Want);
check(N, Got, Want) ->
    io:format(standard_error, "term ~b: got ~p~nwant ~p~n", [N, Got, Want]),
    halt(1).

read(File) ->
    {ok, Bin} = file:read_file(File),
    frames(Bin).

frames(<<>>) -> [];
frames(<<Len:32, B:Len/binary, Rest/binary>>) -> [B | frames(Rest)].

frame(B) -> [<<(byte_size(B)):32>>, B].

terms() ->
    [#{<<"op">> => 0, <<"t">> => <<"MESSAGE_CREATE">>, <<"s">> => 42,
       <<"d">> => #{<<"id">> => <<"1234567890123456789">>,
                    <<"content">> => <<"héllo 🎉"/utf8>>,
                    <<"embeds">> => [], <<"nonce">> => nil,
                    <<"tts">> => false, <<"pinned">> => true}},
     [0, 255, 256, -1, 2147483647, 2147483648, -2147483648, -2147483649,
      9223372036854775807, -9223372036854775808,
      18446744073709551615, -18446744073709551615],
     [1.5, -0.25, 1.0e300, 3.141592653589793],
     #{<<"nested">> => [#{<<"a">> => [[[]]]}]},
     <<"\"quotes\" \\ and \n">>,
     #{},
     [nil, true, false, <<>>]].
