import asyncio
import semctl.asyncio

# Create an asyncio semaphore (max 2 tasks can access at a time)
semaphore = semctl.asyncio.Semaphore(2)

async def worker(worker_id):
    print(f"Task {worker_id} waiting to access the resource...")
    async with semaphore:  # Acquire semaphore asynchronously
        print(f"Task {worker_id} acquired access! 🚀")
        await asyncio.sleep(2)  # Simulating work
        print(f"Task {worker_id} released access! ✅")

async def main():
    tasks = [worker(i) for i in range(3)]
    await asyncio.gather(*tasks)

asyncio.run(main())
