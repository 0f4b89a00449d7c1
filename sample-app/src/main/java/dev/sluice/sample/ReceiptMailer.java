package dev.sluice.sample;

import java.util.concurrent.CompletableFuture;

import org.springframework.scheduling.annotation.Async;
import org.springframework.stereotype.Service;

/** Sends receipts on the {@code mail} pool through Spring's {@code @Async}. */
@Service
class ReceiptMailer {

	@Async("mail")
	public CompletableFuture<OrderController.Receipt> send(int orderId) {
		return CompletableFuture
			.completedFuture(new OrderController.Receipt(orderId, Thread.currentThread().getName()));
	}

}
